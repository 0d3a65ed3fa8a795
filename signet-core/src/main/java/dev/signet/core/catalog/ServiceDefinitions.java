package dev.signet.core.catalog;

import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import dev.signet.core.config.Durations;
import dev.signet.core.selector.Selector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Reads a {@link ServiceDefinition} from a Consul-style file: HCL {@code service { name = "web" ... }} or JSON
 * {@code {"service": {...}}}. As in Consul, keys are accepted in snake case ({@code node_selectors}) or Consul's
 * JSON casing ({@code Service}, {@code NodeSelectors}, {@code DNSNames}, {@code X509TTL}); meta keys are kept as
 * written. Every error is a {@link ConfigException} whose message names the source and the field, e.g.
 * {@code web.hcl: service.port: expected an integer, got "http"}.
 */
public final class ServiceDefinitions {
    /** Canonical field names by their normalized form (lower case, without '_' and '-'). */
    private static final Map<String, String> FIELDS = new LinkedHashMap<>();

    static {
        for (String f : List.of("name", "namespace", "partition", "datacenter", "tags", "meta", "port", "workload_selectors",
                "node_selectors", "x509_ttl", "jwt_ttl", "dns_names", "hint")) {
            FIELDS.put(normalize(f), f);
        }
        FIELDS.put("selectors", "workload_selectors");
    }

    private ServiceDefinitions() {}

    public static ServiceDefinition load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("service definition file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("cannot read service definition file " + file + ": " + e.getMessage());
        }
        return parse(file.toString(), text);
    }

    /** Parses and validates one service definition; {@code source} (e.g. the file name) starts every error message. */
    public static ServiceDefinition parse(String source, String text) {
        ConfigBlock root = ConfigBlock.parse(source, text);
        String serviceKey = null;
        for (String k : root.keys()) {
            if (normalize(k).equals("service")) {
                serviceKey = k;
            } else if (normalize(k).equals("services")) {
                throw new ConfigException(source + ": " + k + ": one service per file; split the list into one file per service");
            } else {
                throw new ConfigException(source + ": " + k + ": unknown key (expected a service { ... } block)");
            }
        }
        if (serviceKey == null) {
            throw new ConfigException(source + ": service: no service { ... } block");
        }
        ConfigBlock block;
        try {
            block = root.block(serviceKey);
        } catch (ConfigException e) {
            throw new ConfigException(source + ": service: expected a block { ... }");
        }
        try {
            return read(block).validate();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": service." + e.getMessage());
        }
    }

    private static ServiceDefinition read(ConfigBlock block) {
        Map<String, Object> v = new LinkedHashMap<>();
        for (String raw : block.keys()) {
            String field = FIELDS.get(normalize(raw));
            if (field == null) {
                throw new IllegalArgumentException(raw + ": unknown field (known: " + String.join(", ", FIELDS.values().stream().distinct().toList()) + ")");
            }
            if (v.containsKey(field)) {
                throw new IllegalArgumentException(field + ": given twice (as " + raw + " and another spelling)");
            }
            v.put(field, block.value(raw));
        }
        return new ServiceDefinition(
                string(v, "name"),
                string(v, "namespace"),
                string(v, "partition"),
                string(v, "datacenter"),
                strings(v, "tags"),
                meta(v),
                port(v),
                selectorSets(v),
                selectors("node_selectors", v.get("node_selectors")),
                duration(v, "x509_ttl"),
                duration(v, "jwt_ttl"),
                strings(v, "dns_names"),
                string(v, "hint"));
    }

    static String normalize(String key) {
        return key.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
    }

    private static String string(Map<String, Object> v, String field) {
        Object o = v.get(field);
        if (o == null) {
            return null;
        }
        if (o instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(field + ": expected a string, got " + describe(o));
    }

    private static List<String> strings(Map<String, Object> v, String field) {
        Object o = v.get(field);
        if (o == null) {
            return List.of();
        }
        if (!(o instanceof List<?> list)) {
            throw new IllegalArgumentException(field + ": expected a list of strings, got " + describe(o));
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof String s)) {
                throw new IllegalArgumentException(field + "[" + i + "]: expected a string, got " + describe(list.get(i)));
            }
            out.add(s);
        }
        return out;
    }

    private static Map<String, String> meta(Map<String, Object> v) {
        Object o = v.get("meta");
        if (o == null) {
            return Map.of();
        }
        if (o instanceof List<?> l && l.size() == 1 && l.get(0) instanceof Map<?, ?> m) {
            o = m;
        }
        if (!(o instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("meta: expected a map of strings, got " + describe(o));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            Object val = e.getValue();
            if (val instanceof Map || val instanceof List || val == null) {
                throw new IllegalArgumentException("meta: value of \"" + e.getKey() + "\" must be a string");
            }
            out.put(String.valueOf(e.getKey()), val instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                    ? Long.toString(n.longValue()) : val.toString());
        }
        return out;
    }

    private static int port(Map<String, Object> v) {
        Object o = v.get("port");
        if (o == null) {
            return 0;
        }
        if (o instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
            return n.intValue();
        }
        if (o instanceof String s && s.trim().matches("-?[0-9]{1,9}")) {
            return Integer.parseInt(s.trim());
        }
        throw new IllegalArgumentException("port: expected an integer, got " + describe(o));
    }

    private static Duration duration(Map<String, Object> v, String field) {
        Object o = v.get(field);
        if (o == null) {
            return null;
        }
        if (o instanceof Number n) {
            return Duration.ofSeconds(n.longValue());
        }
        if (!(o instanceof String s)) {
            throw new IllegalArgumentException(field + ": expected a duration such as \"1h\", got " + describe(o));
        }
        try {
            return Durations.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage());
        }
    }

    /**
     * {@code [["a:b", "c:d"], ["e:f"]]}: alternative sets; a flat list {@code ["a:b", "c:d"]} is one set (AND).
     */
    private static List<SortedSet<Selector>> selectorSets(Map<String, Object> v) {
        Object o = v.get("workload_selectors");
        if (o == null) {
            return List.of();
        }
        if (!(o instanceof List<?> list)) {
            throw new IllegalArgumentException("workload_selectors: expected a list of selector sets such as [[\"unix:uid:1000\"]], got "
                    + describe(o));
        }
        if (!list.isEmpty() && list.stream().allMatch(e -> e instanceof String)) {
            return List.of(selectors("workload_selectors", list));
        }
        List<SortedSet<Selector>> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof List<?>)) {
                throw new IllegalArgumentException("workload_selectors[" + i + "]: expected a list of selectors such as [\"unix:uid:1000\"], got "
                        + describe(list.get(i)));
            }
            out.add(selectors("workload_selectors[" + i + "]", list.get(i)));
        }
        return out;
    }

    private static SortedSet<Selector> selectors(String field, Object o) {
        SortedSet<Selector> out = new TreeSet<>();
        if (o == null) {
            return out;
        }
        if (!(o instanceof List<?> list)) {
            throw new IllegalArgumentException(field + ": expected a list of selectors such as [\"unix:uid:1000\"], got " + describe(o));
        }
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof String s)) {
                throw new IllegalArgumentException(field + "[" + i + "]: expected a selector string TYPE:VALUE, got " + describe(list.get(i)));
            }
            try {
                out.add(Selector.parse(s));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(field + "[" + i + "]: " + e.getMessage());
            }
        }
        return out;
    }

    private static String describe(Object o) {
        if (o instanceof String) {
            return "\"" + o + "\"";
        }
        if (o instanceof Map) {
            return "a block";
        }
        if (o instanceof List) {
            return "a list";
        }
        return String.valueOf(o);
    }
}
