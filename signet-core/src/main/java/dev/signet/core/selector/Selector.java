package dev.signet.core.selector;

/**
 * A fact about a workload or a node, as {@code type:value} — e.g. {@code unix:uid:1000} or
 * {@code join_token:label:env:prod}. The type names the attestor that produced it; the value is the
 * attestor's own {@code key:value} text. Entries match by set inclusion (AND): every selector of an
 * entry must be among the caller's.
 */
public record Selector(String type, String value) implements Comparable<Selector> {
    /** Longest selector value accepted, in characters. */
    public static final int MAX_VALUE_LENGTH = 1024;

    public Selector {
        String problem = problem(type, value);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** Parses {@code type:value}, e.g. {@code unix:uid:1000} (type {@code unix}, value {@code uid:1000}). */
    public static Selector parse(String s) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("invalid selector \"\": expected TYPE:VALUE, e.g. unix:uid:1000");
        }
        int colon = s.indexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("invalid selector \"" + s + "\": expected TYPE:VALUE, e.g. unix:uid:1000");
        }
        return new Selector(s.substring(0, colon), s.substring(colon + 1));
    }

    static String problem(String type, String value) {
        if (type == null || type.isEmpty()) {
            return "invalid selector: type is empty (expected TYPE:VALUE, e.g. unix:uid:1000)";
        }
        for (int i = 0; i < type.length(); i++) {
            char c = type.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
                return "invalid selector type \"" + type + "\": only lowercase letters, digits, '_' and '-' are allowed";
            }
        }
        if (value == null || value.isEmpty()) {
            return "invalid selector \"" + type + ":\": value is empty";
        }
        if (value.length() > MAX_VALUE_LENGTH) {
            return "invalid selector \"" + type + ":...\": value is longer than " + MAX_VALUE_LENGTH + " characters";
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                return "invalid selector \"" + type + ":...\": value contains a control character";
            }
        }
        return null;
    }

    @Override
    public int compareTo(Selector o) {
        int c = type.compareTo(o.type);
        return c != 0 ? c : value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return type + ":" + value;
    }
}
