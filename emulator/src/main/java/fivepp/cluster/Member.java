package fivepp.cluster;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * PLACEHOLDER on branch deploy only, so that {@code fivepp node} compiles: the guardian of a
 * cluster member offering {@code capacity} cores. The lead's real host actor (spawning cores,
 * registered with the receptionist) replaces this file when main is merged into this branch.
 */
public final class Member extends AbstractBehavior<Member.Command> {
  /** Messages of a member (none yet in this placeholder). */
  public interface Command {}

  private final int capacity;

  private Member(ActorContext<Command> ctx, int capacity) {
    super(ctx);
    this.capacity = capacity;
  }

  /** A member offering {@code capacity} cores. */
  public static Behavior<Command> create(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1 core, not " + capacity);
    }
    return Behaviors.setup(ctx -> new Member(ctx, capacity));
  }

  /** How many cores this member offers. */
  int capacity() {
    return capacity;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().build();
  }
}
