package dev.signet.cli.entry;

import dev.signet.cli.common.FlagValues;
import dev.signet.proto.common.v1.Entry;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** The optional entry fields shared by {@code entry create} and {@code entry update}. */
public final class DetailOptions {
    @Option(names = "--x509-ttl", paramLabel = "DURATION",
            description = "Lifetime of the X509-SVIDs issued for the entry, such as 1h or 30m "
                    + "(0 or absent: the server's default).")
    String x509Ttl;

    @Option(names = "--jwt-ttl", paramLabel = "DURATION",
            description = "Lifetime of the JWT-SVIDs issued for the entry, such as 5m "
                    + "(0 or absent: the server's default).")
    String jwtTtl;

    @Option(names = "--dns-name", paramLabel = "NAME",
            description = "DNS name to add to the X509-SVID's SANs (repeatable).")
    List<String> dnsNames;

    @Option(names = "--hint", paramLabel = "HINT",
            description = "Hint passed to workloads to tell several identities apart, such as internal.")
    String hint;

    boolean given() {
        return x509Ttl != null || jwtTtl != null || dnsNames != null || hint != null;
    }

    /** Sets the given fields on {@code b}; a given list replaces the entry's whole list. */
    void apply(CommandSpec spec, Entry.Builder b) {
        if (x509Ttl != null) {
            b.setX509TtlSeconds(FlagValues.seconds(spec, "--x509-ttl", FlagValues.duration(spec, "--x509-ttl", x509Ttl)));
        }
        if (jwtTtl != null) {
            b.setJwtTtlSeconds(FlagValues.seconds(spec, "--jwt-ttl", FlagValues.duration(spec, "--jwt-ttl", jwtTtl)));
        }
        if (dnsNames != null) {
            for (String n : dnsNames) {
                FlagValues.nonBlank(spec, "--dns-name", n);
            }
            b.clearDnsNames().addAllDnsNames(dnsNames);
        }
        if (hint != null) {
            b.setHint(hint);
        }
    }
}
