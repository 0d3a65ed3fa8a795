package dev.signet.cli.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * JSON output for {@code --output json}. Documents are built as explicit trees so field names and
 * order are part of the code, not of some reflection over the wire classes. Times are RFC 3339 UTC
 * strings ({@code 2026-01-02T03:04:05Z}), or null when unknown.
 */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectWriter PRETTY = MAPPER.writer(new DefaultPrettyPrinter()
            .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER)));
    private static final ObjectWriter COMPACT = MAPPER.writer();

    private Json() {}

    /** Parses a JSON document into a tree. */
    public static com.fasterxml.jackson.databind.JsonNode parse(String json) throws java.io.IOException {
        return MAPPER.readTree(json);
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    public static ArrayNode array() {
        return JsonNodeFactory.instance.arrayNode();
    }

    /** Prints {@code node} indented, as one document. */
    public static void print(PrintStream out, Object node) {
        out.println(write(PRETTY, node));
    }

    /** Prints {@code node} on one line, for streams of documents (JSON Lines). */
    public static void printLine(PrintStream out, Object node) {
        out.println(write(COMPACT, node));
    }

    /** RFC 3339 text of a Unix time, or null for 0 (unset on the wire). */
    public static String time(long unixSeconds) {
        return unixSeconds == 0 ? null : DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(unixSeconds));
    }

    public static String time(Instant t) {
        return t == null ? null : DateTimeFormatter.ISO_INSTANT.format(t);
    }

    private static String write(ObjectWriter w, Object node) {
        try {
            return w.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }
}
