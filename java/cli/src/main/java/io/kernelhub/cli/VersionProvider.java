package io.kernelhub.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code kernelhub --version}: the build version plus the running JDK. */
final class VersionProvider implements IVersionProvider {

    /** The kernelhub version this jar was built as ("unknown" if the resource is missing). */
    static String version() {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        String v = p.getProperty("version", "unknown");
        return v.contains("${") ? "unknown" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {
                "kernelhub " + version(),
                "JDK " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
    }
}
