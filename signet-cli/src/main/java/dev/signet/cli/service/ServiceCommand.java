package dev.signet.cli.service;

import dev.signet.cli.common.GroupCommand;
import picocli.CommandLine.Command;

/** {@code signet service}: catalog service definitions. */
@Command(name = "service", mixinStandardHelpOptions = true,
        description = "Register, list, show and deregister catalog services (Consul-style service definitions).",
        subcommands = {ServiceRegister.class, ServiceList.class, ServiceShow.class, ServiceDeregister.class})
public final class ServiceCommand extends GroupCommand {}
