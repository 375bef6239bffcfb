package io.kernelhub.cli;

import io.kernelhub.core.attention.KernelResolutionException;
import io.kernelhub.models.safetensors.CheckpointException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/** Turns every failure into one line on stderr and an exit code; no stack traces reach the user. */
final class Errors {

    static final String PREFIX = "kernelhub: error: ";

    private Errors() {
    }

    /** Bad command line (unknown option, unparsable value, missing command): exit 2. */
    static int onParameterException(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        String help = cl.getCommandSpec().qualifiedName() + " --help";
        line(cl.getErr(), ex.getMessage() + " (see '" + help + "')");
        return ExitCodes.USAGE;
    }

    /** Failure while a command ran: bad input is exit 2, anything else is an internal error (exit 3). */
    static int onExecutionException(Exception ex, CommandLine cl, ParseResult parseResult) {
        PrintWriter err = cl.getErr();
        if (ex instanceof ParameterException pe) {
            return onParameterException(pe, parseResult == null ? new String[0] : parseResult.originalArgs().toArray(new String[0]));
        }
        if (ex instanceof IllegalArgumentException || ex instanceof KernelResolutionException
                || ex instanceof CheckpointException) {
            line(err, message(ex));
            return ExitCodes.USAGE;
        }
        err.println("kernelhub: internal error: " + ex);
        err.flush();
        return ExitCodes.INTERNAL;
    }

    private static String message(Throwable ex) {
        String m = ex.getMessage();
        return m == null || m.isBlank() ? ex.toString() : m;
    }

    private static void line(PrintWriter err, String message) {
        // one line: fold any newlines of a multi-line message
        err.println(PREFIX + message.replaceAll("\\s*\\R\\s*", " ").strip());
        err.flush();
    }
}
