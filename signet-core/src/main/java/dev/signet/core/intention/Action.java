package dev.signet.core.intention;

import java.util.Locale;

/** What an intention (or the default policy) says about a connection. */
public enum Action {
    ALLOW,
    DENY;

    /** {@code allow} or {@code deny}, case-insensitive. */
    public static Action parse(String s) {
        if (s != null) {
            switch (s.toLowerCase(Locale.ROOT)) {
                case "allow":
                    return ALLOW;
                case "deny":
                    return DENY;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("must be \"allow\" or \"deny\", got " + (s == null ? "nothing" : "\"" + s + "\""));
    }

    /** {@code allow} or {@code deny}. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
