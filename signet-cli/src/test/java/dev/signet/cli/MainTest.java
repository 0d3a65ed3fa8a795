package dev.signet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.cli.common.CliEnv;
import dev.signet.cli.run.DefaultLauncher;
import dev.signet.cli.testing.CliRunner;
import dev.signet.cli.testing.CliRunner.Result;
import java.io.PrintStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import picocli.CommandLine;

/** Parsing, help and exit codes of the whole command tree, through {@link Main#run}. */
class MainTest {
    private static final Map<String, String> NO_ENV = Map.of();

    /** Every command's words after {@code signet}, e.g. ["entry", "create"]; the root is []. */
    static List<List<String>> allCommandPaths() {
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        CommandLine root = Main.commandLine(new CliEnv(nowhere, nowhere, NO_ENV, new DefaultLauncher(), Clock.systemUTC()));
        List<List<String>> out = new ArrayList<>();
        collect(root, out);
        return out;
    }

    private static void collect(CommandLine cl, List<List<String>> out) {
        List<String> words = new ArrayList<>(Arrays.asList(cl.getCommandSpec().qualifiedName(" ").split(" ")));
        words.remove(0);
        out.add(words);
        cl.getSubcommands().values().forEach(sub -> collect(sub, out));
    }

    private static String[] args(List<String> path, String... more) {
        List<String> all = new ArrayList<>(path);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void theTreeHasEveryCommandOfTheBrief() {
        assertThat(allCommandPaths()).extracting(p -> String.join(" ", p)).contains(
                "server run", "agent run", "dev", "token generate",
                "entry create", "entry list", "entry show", "entry update", "entry delete",
                "agent list", "agent evict", "agent ban", "bundle show",
                "api fetch x509", "api watch", "healthcheck", "version");
    }

    @TestFactory
    Stream<DynamicTest> helpExitsZeroOnEveryCommand() {
        return allCommandPaths().stream().map(path -> DynamicTest.dynamicTest("signet " + String.join(" ", path) + " --help",
                () -> {
                    Result r = CliRunner.run(NO_ENV, args(path, "--help"));
                    assertThat(r.code()).as(r.toString()).isZero();
                    assertThat(r.out()).startsWith("Usage: " + String.join(" ", args(List.of("signet"), args(path))));
                    assertThat(r.err()).isEmpty();
                }));
    }

    @TestFactory
    Stream<DynamicTest> unknownFlagExitsTwoNamingItOnEveryCommand() {
        return allCommandPaths().stream().map(path -> DynamicTest.dynamicTest(
                "signet " + String.join(" ", path) + " --no-such-flag", () -> {
                    Result r = CliRunner.run(NO_ENV, args(path, "--no-such-flag=1"));
                    assertThat(r.code()).as(r.toString()).isEqualTo(2);
                    assertThat(r.err()).as(r.toString())
                            .startsWith("error: unknown flag '--no-such-flag'")
                            .contains("--help' for more information")
                            .doesNotContain("Exception");
                    assertThat(r.out()).isEmpty();
                }));
    }

    @Test
    void unknownFlagWinsOverMissingRequiredOption() {
        Result r = CliRunner.run(NO_ENV, "entry", "create", "--bogus");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: unknown flag '--bogus' for 'signet entry create'\n");
    }

    @Test
    void unknownCommandExitsTwoWithSuggestion() {
        Result r = CliRunner.run(NO_ENV, "entree", "list");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: unknown command 'entree' for 'signet'\n").contains("did you mean: entry");
    }

    @Test
    void groupWithoutSubcommandIsAUsageErrorListingTheChoices() {
        Result r = CliRunner.run(NO_ENV, "entry");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: missing command: 'signet entry' needs one of create, list, show, update, delete")
                .contains("Usage: signet entry");
        assertThat(CliRunner.run(NO_ENV).code()).isEqualTo(2);
    }

    @Test
    void versionPrintsTheBuildVersion() {
        Result r = CliRunner.run(NO_ENV, "version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).matches("signet \\S+\n").doesNotContain("${");
        assertThat(CliRunner.run(NO_ENV, "--version").out()).isEqualTo(r.out());
    }

    @Test
    void runtimeFailureIsOneErrorLineAndExitOne() {
        Result r = CliRunner.run(NO_ENV, "server", "run");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: server.trust_domain: is required (e.g. trust_domain = \"example.org\")\n");
    }

    @Test
    void debugAddsTheStackTrace() {
        Result r = CliRunner.run(NO_ENV, "server", "run", "--debug");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: server.trust_domain: is required").contains("ConfigException").contains("\tat ");
    }
}
