package io.kernelhub.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/SECURITY.md backs every guarantee with a named test ({@code FooTest} or
 * {@code FooTest.method}); this keeps those names true as tests are renamed or removed.
 */
class SecurityDocTest {

    private static final Pattern NAME = Pattern.compile("`([A-Z][A-Za-z0-9]*Test)(?:\\.([a-zA-Z0-9_]+))?`");

    @Test
    void everyTestTheSecurityDocNamesExists() throws IOException {
        Path repo = Path.of("").toAbsolutePath().getParent().getParent(); // java/hub -> repository root
        String doc = Files.readString(repo.resolve("docs/SECURITY.md"));
        Map<String, Path> tests;
        try (Stream<Path> s = Files.walk(repo.resolve("java"))) {
            tests = s.filter(p -> p.toString().contains("/src/test/java/") && p.toString().endsWith("Test.java"))
                    .collect(Collectors.toMap(p -> p.getFileName().toString().replace(".java", ""), Function.identity(),
                            (a, b) -> a));
        }
        List<String> named = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Matcher m = NAME.matcher(doc);
        while (m.find()) {
            named.add(m.group(0));
            Path file = tests.get(m.group(1));
            if (file == null) {
                missing.add(m.group(0) + " (no such test class)");
            } else if (m.group(2) != null
                    && !Pattern.compile("void\\s+" + m.group(2) + "\\s*\\(").matcher(Files.readString(file)).find()) {
                missing.add(m.group(0) + " (no such test method)");
            }
        }
        assertThat(named).as("tests named in docs/SECURITY.md").hasSizeGreaterThan(20);
        assertThat(missing).as("docs/SECURITY.md names tests that do not exist").isEmpty();
    }
}
