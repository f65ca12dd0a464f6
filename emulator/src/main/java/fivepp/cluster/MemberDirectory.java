package fivepp.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The members a coordinator's actor knows of, for the {@link MemberDeployer} of an array's cores and the
 * {@link StressConductor} of a stress run's routers alike: members found through the receptionist
 * are asked for their {@link Member.Info}; a member unreachable, downed or removed is gone for
 * good. Not an actor: it lives inside one and is used from its thread only.
 */
final class MemberDirectory {
  private final Map<String, Member.Info> members = new TreeMap<>();
  private final Set<String> gone = new HashSet<>();
  private final Set<ActorRef<Member.Command>> asked = new HashSet<>();

  /**
   * Subscribes {@code ctx} to the receptionist's members ({@code listing}) and to the cluster's
   * losses ({@code lost}, with the member's HOST:PORT and why: unreachable, removed or downed).
   */
  static <C> void subscribe(ActorContext<C> ctx, Function<Receptionist.Listing, C> listing,
      BiFunction<String, String, C> lost) {
    ctx.getSystem().receptionist().tell(Receptionist.subscribe(Member.KEY,
        ctx.messageAdapter(Receptionist.Listing.class, listing::apply)));
    Cluster cluster = Cluster.get(ctx.getSystem());
    cluster.subscriptions().tell(Subscribe.create(ctx.messageAdapter(ClusterEvent.UnreachableMember.class,
        u -> lost.apply(u.member().address().hostPort(), "unreachable")), ClusterEvent.UnreachableMember.class));
    cluster.subscriptions().tell(Subscribe.create(ctx.messageAdapter(ClusterEvent.MemberRemoved.class,
        r -> lost.apply(r.member().address().hostPort(), "removed")), ClusterEvent.MemberRemoved.class));
    cluster.subscriptions().tell(Subscribe.create(ctx.messageAdapter(ClusterEvent.MemberDowned.class,
        r -> lost.apply(r.member().address().hostPort(), "downed")), ClusterEvent.MemberDowned.class));
  }

  /** Asks every member new in {@code l} for its info, to {@code replyTo}; returns those new ones. */
  List<ActorRef<Member.Command>> listed(Receptionist.Listing l, ActorRef<Member.Info> replyTo) {
    List<ActorRef<Member.Command>> added = new ArrayList<>();
    for (ActorRef<Member.Command> m : l.getServiceInstances(Member.KEY)) {
      if (asked.add(m)) {
        added.add(m);
        m.tell(new Member.GetInfo(replyTo));
      }
    }
    return added;
  }

  /** Every member the receptionist ever listed, whether it answered or not. */
  Collection<ActorRef<Member.Command>> listedMembers() {
    return java.util.Collections.unmodifiableSet(asked);
  }

  /** A member's answer: known from now on, unless it is already gone. */
  void answered(Member.Info i) {
    if (!gone.contains(i.address())) {
      members.put(i.address(), i);
    }
  }

  /** Marks a member gone; false when it already was. */
  boolean lost(String address) {
    members.remove(address);
    return gone.add(address);
  }

  /**
   * The members that answered, in address order, once there are at least {@code wanted} of them and
   * every member the cluster has Up (other than coordinators) has answered; else null.
   */
  List<Member.Info> ready(ActorContext<?> ctx, int wanted) {
    Set<String> up = new HashSet<>();
    Cluster.get(ctx.getSystem()).state().getMembers().forEach(m -> {
      if (m.status() == MemberStatus.up() && !m.hasRole("coordinator")) {
        up.add(m.address().hostPort());
      }
    });
    up.removeAll(gone);
    if (members.size() < wanted || !members.keySet().containsAll(up)) {
      return null;
    }
    return List.copyOf(members.values());
  }

  Member.Info get(String address) {
    return members.get(address);
  }

  Collection<Member.Info> all() {
    return members.values();
  }

  /** "HOST:PORT, ..." of the members that answered, or "none". */
  String describe() {
    return members.isEmpty() ? "none" : String.join(", ", members.keySet());
  }
}
