package org.murder.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs {@code murder ARGS} in-process and captures what an operator would see. */
record CliRun(int exitCode, String out, String err) {
    static CliRun of(String... args) {
        return with(null, args);
    }

    /** {@link #of} with {@code defaults} in place of the environment and config file of this process. */
    static CliRun with(org.murder.core.cli.ConfigDefaults defaults, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Murder.commandLineFor(args);
        if (defaults != null) {
            cl.setDefaultValueProvider(defaults);
        }
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
