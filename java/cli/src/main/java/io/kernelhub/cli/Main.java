package io.kernelhub.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code kernelhub} command line. Exit codes: {@value ExitCodes#OK} ok,
 * {@value ExitCodes#CHECK_FAILED} an accuracy check failed, {@value ExitCodes#USAGE} bad usage
 * or bad input (one line on stderr, never a stack trace), {@value ExitCodes#INTERNAL} an
 * unexpected internal error.
 */
@Command(name = "kernelhub",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Attention kernels for the JVM: pick an implementation by name, run and check it.",
        subcommands = {DoctorCommand.class, ListCommand.class, AttendCommand.class, GenerateCommand.class, MakeModelCommand.class, DemoCommand.class, InitCommand.class,
                BuildCommand.class, CheckCommand.class, PackCommand.class, ValidateCommand.class, ReportCommand.class, BenchCommand.class, KeygenCommand.class, TrustCommand.class, PublishCommand.class, IndexCommand.class,
                ServeCommand.class, ResolveCommand.class, DownloadCommand.class, LockCommand.class, CacheCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:ok",
                "1:an accuracy check failed",
                "2:bad usage or bad input",
                "3:unexpected internal error"})
public final class Main implements Runnable {

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line with the given streams and returns its exit code (for tests and embedders). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        PrintWriter o = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        PrintWriter e = new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        try {
            return commandLine(o, e).execute(args == null ? new String[0] : args);
        } finally {
            o.flush();
            e.flush();
        }
    }

    /** A fresh, fully configured command line writing to the given streams. */
    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler(Errors::onParameterException);
        cl.setExecutionExceptionHandler(Errors::onExecutionException);
        return cl;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing command: use one of doctor, list, attend, demo, init, build");
    }
}
