package dev.signet.server.attestation.x509pop;

import dev.signet.core.config.ConfigException;
import dev.signet.core.spiffeid.SpiffeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of the agent ID after {@code /signet/agent/x509pop/}: literal text and the placeholders
 * {@code {{fingerprint}}} (SHA-1 of the leaf's DER, lowercase hex), {@code {{subject.cn}}} (the leaf's subject
 * common name) and {@code {{serialnumber}}} (the leaf's serial number, lowercase hex). It may span several
 * path segments ({@code nodes/{{subject.cn}}}). The rendered path must be a valid SPIFFE ID path; a
 * certificate whose values don't fit (a CN with a space, say) is refused.
 */
final class AgentPathTemplate {
    static final String DEFAULT = "{{fingerprint}}";
    static final List<String> PLACEHOLDERS = List.of("fingerprint", "subject.cn", "serialnumber");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^{}]*?)\\s*}}");

    private final String template;

    private AgentPathTemplate(String template) {
        this.template = template;
    }

    /**
     * @param key the configuration key, for error messages
     * @throws ConfigException naming the key when the template is empty, names an unknown placeholder or has
     *     literal text that can't be part of a SPIFFE ID path
     */
    static AgentPathTemplate parse(String template, String key) {
        if (template.isBlank()) {
            throw new ConfigException(key + ": must not be empty");
        }
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder sample = new StringBuilder();
        int last = 0;
        while (m.find()) {
            if (!PLACEHOLDERS.contains(m.group(1))) {
                throw new ConfigException(key + ": unknown placeholder {{" + m.group(1) + "}} (known: "
                        + String.join(", ", PLACEHOLDERS.stream().map(p -> "{{" + p + "}}").toList()) + ")");
            }
            sample.append(template, last, m.start()).append("x");
            last = m.end();
        }
        sample.append(template.substring(last));
        if (sample.indexOf("{") >= 0 || sample.indexOf("}") >= 0) {
            throw new ConfigException(key + ": unbalanced braces in \"" + template + "\" (placeholders look like {{subject.cn}})");
        }
        String problem = pathProblem(sample.toString());
        if (problem != null) {
            throw new ConfigException(key + ": \"" + template + "\" does not make a valid SPIFFE ID path: " + problem);
        }
        return new AgentPathTemplate(template);
    }

    /** The rendered path (no leading slash); a placeholder with no value renders as an empty string. */
    String render(Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(values.getOrDefault(m.group(1), "")));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Why {@code path} (no leading slash) is not a valid SPIFFE ID path, or null. */
    static String pathProblem(String path) {
        if (path.isEmpty()) {
            return "path is empty";
        }
        for (String seg : path.split("/", -1)) {
            if (seg.equals(".") || seg.equals("..")) {
                return "path must not have '.' or '..' segments";
            }
            String p = SpiffeId.segmentProblem(seg);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    /** The placeholders used, in order. */
    List<String> placeholders() {
        List<String> out = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Override
    public String toString() {
        return template;
    }
}
