package io.kernelhub.validate.report;

import io.kernelhub.validate.run.CaseResult;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * JUnit XML in the format Maven Surefire writes (what CI systems render): one
 * {@code <testsuite>} per kernel and device, one {@code <testcase>} per case, a
 * {@code <failure>} carrying the numbers, {@code <skipped>} with the reason.
 */
public final class JunitReport {
    private JunitReport() {}

    public static void write(ValidationReport r, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
            x.writeStartDocument("UTF-8", "1.0");
            x.writeCharacters("\n");
            x.writeStartElement("testsuite");
            x.writeAttribute("name", r.suiteName());
            x.writeAttribute("tests", Integer.toString(r.results().size()));
            x.writeAttribute("failures", Long.toString(r.count(CaseResult.Status.FAILED)));
            x.writeAttribute("errors", "0");
            x.writeAttribute("skipped", Long.toString(r.count(CaseResult.Status.SKIPPED)));
            x.writeAttribute("time", seconds(r.seconds()));
            x.writeAttribute("timestamp", r.startedAt());
            x.writeAttribute("hostname", r.host());
            x.writeCharacters("\n  ");
            x.writeStartElement("properties");
            for (String[] p : new String[][] {{"kernel", r.kernel()}, {"implementation", r.implName()},
                    {"description", r.description()}, {"device", r.device()}, {"grid", r.grid()}, {"dtypes", r.dtypes()},
                    {"seed", Long.toString(r.seed())}, {"isolated", Boolean.toString(r.isolated())}}) {
                x.writeCharacters("\n    ");
                x.writeEmptyElement("property");
                x.writeAttribute("name", p[0]);
                x.writeAttribute("value", p[1] == null ? "" : p[1]);
            }
            x.writeCharacters("\n  ");
            x.writeEndElement();
            for (CaseResult c : r.results()) {
                x.writeCharacters("\n  ");
                x.writeStartElement("testcase");
                x.writeAttribute("name", c.name());
                x.writeAttribute("classname", r.suiteName());
                x.writeAttribute("time", seconds(Double.isNaN(c.millis()) ? 0 : c.millis() / 1e3));
                if (c.status() == CaseResult.Status.FAILED) {
                    x.writeCharacters("\n    ");
                    x.writeStartElement("failure");
                    x.writeAttribute("message", c.message());
                    x.writeAttribute("type", c.message().startsWith("crashed") ? "Crash"
                            : c.message().startsWith("nondeterministic") ? "Nondeterminism" : "AccuracyFailure");
                    x.writeCharacters(String.format(Locale.ROOT, "case: %s%nfeatures: %s%nmax_abs_err: %s%ntolerance: %s%n"
                            + "lse_max_abs_err: %s%nlse_tolerance: %s%n%s", c.name(), c.features(), c.maxErr(), c.tolerance(),
                            c.lseErr(), c.lseTol(), c.message()));
                    x.writeEndElement();
                    x.writeCharacters("\n  ");
                } else if (c.status() == CaseResult.Status.SKIPPED) {
                    x.writeCharacters("\n    ");
                    x.writeEmptyElement("skipped");
                    x.writeAttribute("message", c.message());
                    x.writeCharacters("\n  ");
                }
                x.writeEndElement();
            }
            x.writeCharacters("\n");
            x.writeEndElement();
            x.writeCharacters("\n");
            x.writeEndDocument();
            x.close();
        } catch (XMLStreamException e) {
            throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String seconds(double s) {
        return String.format(Locale.ROOT, "%.3f", s);
    }
}
