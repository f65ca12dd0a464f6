package fivepp.cluster;

import java.util.List;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * What fivepp's protobuf serializers share: actor references in Pekko's serialization format,
 * and repeated protobuf fields back into arrays.
 */
abstract class ProtobufSerializer extends SerializerWithStringManifest {
  private final ExtendedActorSystem system;
  private volatile ActorRefResolver resolver;

  ProtobufSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  private ActorRefResolver resolver() {
    if (resolver == null) {
      resolver = ActorRefResolver.get(Adapter.toTyped(system));
    }
    return resolver;
  }

  final String ref(ActorRef<?> r) {
    return resolver().toSerializationFormat(r);
  }

  final <T> ActorRef<T> ref(String s) {
    return resolver().resolveActorRef(s);
  }

  static int[] ints(List<Integer> l) {
    return l.stream().mapToInt(Integer::intValue).toArray();
  }

  static long[] longs(List<Long> l) {
    return l.stream().mapToLong(Long::longValue).toArray();
  }
}
