package dev.signet.core.config;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A structural check run before handing text to the HCL parser, which is lenient: it silently accepts an
 * unclosed block or a key with no value. This catches those with a line number: unbalanced or mismatched
 * braces and brackets, unterminated strings and comments, and {@code key =} without a value.
 */
final class HclSyntax {
    private HclSyntax() {}

    /** Returns null if the text is structurally sound, else a message like {@code line 3: unclosed '{'}. */
    static String problem(String text) {
        Deque<int[]> open = new ArrayDeque<>(); // {char, line}
        int line = 1;
        int i = 0;
        int n = text.length();
        boolean expectValue = false;
        int expectLine = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\n') {
                if (expectValue && open.stream().noneMatch(o -> o[0] == '[')) {
                    return "line " + expectLine + ": '=' is not followed by a value";
                }
                line++;
                i++;
                continue;
            }
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (c == '#' || (c == '/' && i + 1 < n && text.charAt(i + 1) == '/')) {
                while (i < n && text.charAt(i) != '\n') {
                    i++;
                }
                continue;
            }
            if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
                int start = line;
                i += 2;
                while (i < n && !(text.charAt(i) == '*' && i + 1 < n && text.charAt(i + 1) == '/')) {
                    if (text.charAt(i) == '\n') {
                        line++;
                    }
                    i++;
                }
                if (i >= n) {
                    return "line " + start + ": unterminated /* comment";
                }
                i += 2;
                continue;
            }
            if (c == '<' && text.startsWith("<<", i)) {
                int start = line;
                int eol = text.indexOf('\n', i);
                if (eol < 0) {
                    return "line " + start + ": unterminated heredoc";
                }
                String marker = text.substring(i + 2, eol).trim().replace("-", "");
                int end = text.indexOf("\n" + marker, eol);
                while (end >= 0 && !text.substring(end + 1).stripLeading().startsWith(marker)) {
                    end = text.indexOf("\n" + marker, end + 1);
                }
                if (marker.isEmpty() || end < 0) {
                    return "line " + start + ": unterminated heredoc";
                }
                for (int k = i; k < end + 1 + marker.length(); k++) {
                    if (text.charAt(k) == '\n') {
                        line++;
                    }
                }
                i = end + 1 + marker.length();
                expectValue = false;
                continue;
            }
            if (c == '"') {
                int start = line;
                i++;
                while (i < n && text.charAt(i) != '"') {
                    if (text.charAt(i) == '\\') {
                        i++;
                    } else if (text.charAt(i) == '\n') {
                        return "line " + start + ": unterminated string";
                    }
                    i++;
                }
                if (i >= n) {
                    return "line " + start + ": unterminated string";
                }
                i++;
                expectValue = false;
                continue;
            }
            if (c == '=') {
                if (expectValue) {
                    return "line " + line + ": unexpected '='";
                }
                expectValue = true;
                expectLine = line;
                i++;
                continue;
            }
            if (c == '{' || c == '[') {
                open.push(new int[] {c, line});
                expectValue = false;
                i++;
                continue;
            }
            if (c == '}' || c == ']') {
                if (expectValue) {
                    return "line " + expectLine + ": '=' is not followed by a value";
                }
                char want = c == '}' ? '{' : '[';
                if (open.isEmpty()) {
                    return "line " + line + ": unexpected '" + c + "'";
                }
                int[] top = open.pop();
                if (top[0] != want) {
                    return "line " + line + ": '" + c + "' does not close the '" + (char) top[0] + "' opened on line " + top[1];
                }
                i++;
                continue;
            }
            expectValue = false;
            i++;
        }
        if (expectValue) {
            return "line " + expectLine + ": '=' is not followed by a value";
        }
        if (!open.isEmpty()) {
            int[] top = open.peek();
            return "line " + top[1] + ": '" + (char) top[0] + "' is never closed";
        }
        return null;
    }
}
