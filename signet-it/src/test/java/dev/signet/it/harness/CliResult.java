package dev.signet.it.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** The outcome of one CLI run (in-process or as a child process). */
public record CliResult(String what, int exit, String stdout, String stderr) {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** stdout parsed as JSON; fails with the whole result if it is not JSON. */
    public JsonNode json() {
        try {
            return MAPPER.readTree(stdout);
        } catch (IOException e) {
            throw new AssertionError("stdout is not JSON: " + this, e);
        }
    }

    public static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    /** Fails unless the command exited 0; returns this. */
    public CliResult ok() {
        if (exit != 0) {
            throw new AssertionError("expected exit 0: " + this);
        }
        return this;
    }

    @Override
    public String toString() {
        return what + " -> exit " + exit + "\n  stdout: " + stdout.strip().replace("\n", "\n          ")
                + "\n  stderr: " + stderr.strip().replace("\n", "\n          ");
    }
}
