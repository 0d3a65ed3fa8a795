package dev.signet.core.intention;

import java.time.Instant;

/** Conversion between {@link Intention} and its protobuf message. */
public final class IntentionProtos {
    private IntentionProtos() {}

    public static dev.signet.proto.intention.v1.Intention toProto(Intention i) {
        var b = dev.signet.proto.intention.v1.Intention.newBuilder()
                .setSource(i.source().toString())
                .setDestination(i.destination().toString())
                .setAction(i.action() == Action.ALLOW
                        ? dev.signet.proto.intention.v1.Action.ACTION_ALLOW : dev.signet.proto.intention.v1.Action.ACTION_DENY)
                .setDescription(i.description())
                .setPrecedence(i.precedence());
        if (i.id() != null) {
            b.setId(i.id());
        }
        if (i.createdAt() != null) {
            b.setCreatedAtUnix(i.createdAt().getEpochSecond());
        }
        if (i.updatedAt() != null) {
            b.setUpdatedAtUnix(i.updatedAt().getEpochSecond());
        }
        return b.build();
    }

    /** @throws IllegalArgumentException naming the field that is invalid */
    public static Intention fromProto(dev.signet.proto.intention.v1.Intention p) {
        IntentionSource source;
        IntentionDestination destination;
        try {
            source = IntentionSource.parse(p.getSource());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("source: " + e.getMessage(), e);
        }
        try {
            destination = IntentionDestination.parse(p.getDestination());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("destination: " + e.getMessage(), e);
        }
        return new Intention(p.getId().isEmpty() ? null : p.getId(), source, destination, action(p.getAction()),
                p.getDescription(), p.getCreatedAtUnix() == 0 ? null : Instant.ofEpochSecond(p.getCreatedAtUnix()),
                p.getUpdatedAtUnix() == 0 ? null : Instant.ofEpochSecond(p.getUpdatedAtUnix()));
    }

    /** @throws IllegalArgumentException ("action: ...") when unspecified */
    public static Action action(dev.signet.proto.intention.v1.Action a) {
        return switch (a) {
            case ACTION_ALLOW -> Action.ALLOW;
            case ACTION_DENY -> Action.DENY;
            default -> throw new IllegalArgumentException("action: must be allow or deny");
        };
    }
}
