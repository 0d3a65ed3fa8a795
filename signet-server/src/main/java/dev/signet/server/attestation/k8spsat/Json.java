package dev.signet.server.attestation.k8spsat;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Typed, null-tolerant reads of parsed JSON objects; a value of the wrong type is a {@link ParseException} naming its key. */
final class Json {
    private Json() {}

    /** Parses a JSON object of at most {@code maxChars} characters. */
    static Map<String, Object> parse(String text, int maxChars) throws ParseException {
        if (text.length() > maxChars) {
            throw new ParseException("JSON longer than " + maxChars + " characters", 0);
        }
        try {
            Map<String, Object> m = JSONObjectUtils.parse(text);
            if (m == null) {
                throw new ParseException("not a JSON object", 0);
            }
            return m;
        } catch (ParseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ParseException("not a JSON object: " + e.getMessage(), 0);
        }
    }

    /** A nested object, or an empty map when absent or null. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Map<String, Object> m, String key) throws ParseException {
        Object v = m.get(key);
        if (v == null) {
            return Map.of();
        }
        if (v instanceof Map<?, ?> o) {
            return (Map<String, Object>) o;
        }
        throw new ParseException(key + ": expected an object", 0);
    }

    /** A string, or null when absent or null. */
    static String string(Map<String, Object> m, String key) throws ParseException {
        Object v = m.get(key);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw new ParseException(key + ": expected a string", 0);
    }

    /** A boolean; false when absent or null (Kubernetes omits false fields). */
    static boolean bool(Map<String, Object> m, String key) throws ParseException {
        Object v = m.get(key);
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new ParseException(key + ": expected true or false", 0);
    }

    /** A list of strings, empty when absent or null. */
    static List<String> strings(Map<String, Object> m, String key) throws ParseException {
        Object v = m.get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l)) {
            throw new ParseException(key + ": expected a list of strings", 0);
        }
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof String s)) {
                throw new ParseException(key + ": expected a list of strings", 0);
            }
            out.add(s);
        }
        return List.copyOf(out);
    }

    /** A map of string values (Kubernetes labels), empty when absent or null. */
    static Map<String, String> stringMap(Map<String, Object> m, String key) throws ParseException {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : object(m, key).entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new ParseException(key + "." + e.getKey() + ": expected a string", 0);
            }
            out.put(e.getKey(), s);
        }
        return out;
    }

    /** A map of string lists ({@code status.user.extra}), empty when absent or null. */
    static Map<String, List<String>> stringListMap(Map<String, Object> m, String key) throws ParseException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Map<String, Object> o = object(m, key);
        for (String k : o.keySet()) {
            out.put(k, strings(o, k));
        }
        return out;
    }

    static String write(Map<String, ?> m) {
        return JSONObjectUtils.toJSONString(m);
    }
}
