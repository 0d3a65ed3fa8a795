package dev.signet.core.config;

import com.bertramlabs.plugins.hcl4j.HCLParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One block of an HCL (or JSON) configuration file, read with typed getters whose errors name the key,
 * e.g. {@code server.default_x509_svid_ttl: invalid duration "1x"}. Unknown keys are errors, so a typo
 * is caught at start-up instead of being silently ignored.
 */
public final class ConfigBlock {
    private final String path;
    private final Map<String, Object> values;
    private final Set<String> read = new TreeSet<>();

    public ConfigBlock(String path, Map<String, Object> values) {
        this.path = path;
        this.values = values == null ? Map.of() : values;
    }

    /** Parses an HCL (or JSON — HCL is a superset) file into its top-level block. */
    public static ConfigBlock load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        return parse(file.toString(), text);
    }

    public static ConfigBlock parse(String source, String text) {
        String problem = HclSyntax.problem(text);
        if (problem != null) {
            throw new ConfigException(source + ": malformed HCL: " + problem);
        }
        try {
            Map<String, Object> map = new HCLParser().parse(text);
            checkNoNulls("", map, source);
            return new ConfigBlock("", map);
        } catch (ConfigException e) {
            throw e;
        } catch (Exception | StackOverflowError e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new ConfigException(source + ": malformed HCL: " + msg);
        }
    }

    @SuppressWarnings("unchecked")
    private static void checkNoNulls(String prefix, Map<String, Object> map, String source) {
        for (Map.Entry<String, Object> e : map.entrySet()) {
            String k = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue() == null) {
                throw new ConfigException(source + ": malformed HCL: " + k + " has no value");
            }
            if (e.getValue() instanceof Map<?, ?> m) {
                checkNoNulls(k, (Map<String, Object>) m, source);
            }
        }
    }

    private String key(String k) {
        return path.isEmpty() ? k : path + "." + k;
    }

    public boolean has(String k) {
        return values.containsKey(k);
    }

    /** A nested block, or an empty one if absent. */
    @SuppressWarnings("unchecked")
    public ConfigBlock block(String k) {
        read.add(k);
        Object v = values.get(k);
        if (v == null) {
            return new ConfigBlock(key(k), Map.of());
        }
        if (v instanceof java.util.List<?> list && list.size() == 1 && list.get(0) instanceof Map) {
            v = list.get(0);
        }
        if (!(v instanceof Map)) {
            throw new ConfigException(key(k) + ": expected a block { ... }");
        }
        return new ConfigBlock(key(k), new LinkedHashMap<>((Map<String, Object>) v));
    }

    public String string(String k, String def) {
        read.add(k);
        Object v = values.get(k);
        if (v == null) {
            return def;
        }
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        throw new ConfigException(key(k) + ": expected a string");
    }

    public int integer(String k, int def) {
        read.add(k);
        Object v = values.get(k);
        if (v == null) {
            return def;
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return n.intValue();
        }
        if (v instanceof String s) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new ConfigException(key(k) + ": expected an integer, got " + describe(v));
    }

    public boolean bool(String k, boolean def) {
        read.add(k);
        Object v = values.get(k);
        if (v == null) {
            return def;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if ("true".equals(v) || "false".equals(v)) {
            return Boolean.parseBoolean((String) v);
        }
        throw new ConfigException(key(k) + ": expected true or false, got " + describe(v));
    }

    public Duration duration(String k, Duration def) {
        read.add(k);
        Object v = values.get(k);
        if (v == null) {
            return def;
        }
        if (v instanceof Number n) {
            return Duration.ofSeconds(n.longValue());
        }
        try {
            return Durations.parse(v.toString());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key(k) + ": " + e.getMessage());
        }
    }

    /**
     * A list of strings ({@code k = ["a", "b"]}); a single string is a one-element list; absent is {@code def}.
     */
    public java.util.List<String> stringList(String k, java.util.List<String> def) {
        read.add(k);
        Object v = values.get(k);
        if (v == null) {
            return def;
        }
        if (v instanceof String s) {
            return java.util.List.of(s);
        }
        if (v instanceof java.util.List<?> list) {
            java.util.List<String> out = new java.util.ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof String s)) {
                    throw new ConfigException(key(k) + ": expected a list of strings, found " + describe(o));
                }
                out.add(s);
            }
            return java.util.List.copyOf(out);
        }
        throw new ConfigException(key(k) + ": expected a list of strings, got " + describe(v));
    }

    /** A map of string values ({@code k = { a = "x" }}); absent is an empty map. */
    public Map<String, String> stringMap(String k) {
        ConfigBlock b = block(k);
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : b.keys()) {
            out.put(name, b.string(name, null));
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /** The keys of this block, in file order. */
    public Set<String> keys() {
        return java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(values.keySet()));
    }

    /**
     * The raw parsed value of {@code k} (String, Number, Boolean, List or Map), or null; marks the key read.
     * For values the typed getters do not cover, such as lists.
     */
    public Object value(String k) {
        read.add(k);
        return values.get(k);
    }

    /** The dotted path of {@code k} in this block, as error messages name it (e.g. {@code service.port}). */
    public String pathOf(String k) {
        return key(k);
    }

    /** Fails naming the first key in this block that no getter asked for. */
    public void rejectUnknownKeys() {
        for (String k : values.keySet()) {
            if (!read.contains(k)) {
                throw new ConfigException(key(k) + ": unknown configuration key");
            }
        }
    }

    /** Wraps a value check so its failure names this key. */
    public ConfigException invalid(String k, String problem) {
        return new ConfigException(key(k) + ": " + problem);
    }

    private static String describe(Object v) {
        return v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
    }
}
