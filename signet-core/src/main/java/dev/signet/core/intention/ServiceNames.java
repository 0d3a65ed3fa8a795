package dev.signet.core.intention;

import java.util.regex.Pattern;

/** Service and namespace names as intentions accept them: Consul's DNS-friendly names. */
final class ServiceNames {
    static final String DEFAULT_NAMESPACE = "default";
    static final String WILDCARD = "*";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,126}[A-Za-z0-9])?");

    private ServiceNames() {}

    /** Null if valid; else why not. */
    static String problem(String what, String name) {
        if (name.isEmpty()) {
            return what + " is empty";
        }
        if (!NAME.matcher(name).matches()) {
            return what + " \"" + name + "\" is not a valid name (letters, digits, '.', '_' and '-', at most 128, "
                    + "starting and ending with a letter or digit)";
        }
        return null;
    }
}
