package io.kernelhub.core.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class VersionSpecTest {

    private static final List<Version> HUB = List.of("0.3.1", "0.3.9", "0.4.0", "1.9.9", "2.0.0", "2.1.0", "2.1.4",
            "2.2.0", "2.10.0", "3.0.0-rc.1", "3.0.0").stream().map(Version::parse).toList();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ';', value = {
            "'';3.0.0", "2.1.0;2.1.0", "^2.1;2.10.0", "^2.1.0;2.10.0", "~2.1.0;2.1.4", "~2.1;2.1.4", "~2;2.10.0",
            "v2;2.10.0", "v1;1.9.9", ">=2.0,<3.0;2.10.0", ">=2.0, <2.2;2.1.4", "^0.3;0.3.9", "^0.3.1;0.3.9", "2.1;2.1.4",
            "2;2.10.0", ">2.10.0;3.0.0", "<=2.1.0;2.1.0", "=2.2.0;2.2.0", "3.0.0-rc.1;3.0.0-rc.1",
            ">=3.0.0-rc.1;3.0.0"})
    void picksTheNewestMatchingVersion(String spec, String expected) {
        assertThat(VersionSpec.parse(spec).best(HUB)).contains(Version.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"^4", "v9", "5.0.0", ">=3.1", "~0.5"})
    void reportsNothingWhenNoVersionMatches(String spec) {
        assertThat(VersionSpec.parse(spec).best(HUB)).isEmpty();
    }

    @Test
    void preReleasesOnlyWhenAskedForExplicitly() {
        Version rc = Version.parse("3.0.0-rc.1");
        assertThat(VersionSpec.parse("^3").matches(rc)).isFalse();
        assertThat(VersionSpec.parse("").matches(rc)).isFalse();
        assertThat(VersionSpec.parse(">=3.0.0-rc.0").matches(rc)).isTrue();
        assertThat(VersionSpec.parse("3.0.0-rc.1").matches(rc)).isTrue();
    }

    @Test
    void ordersPreReleasesAsSemverDoes() {
        List<String> sorted = List.of("1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
                "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0");
        List<Version> vs = sorted.stream().map(Version::parse).toList();
        for (int i = 1; i < vs.size(); i++) {
            assertThat(vs.get(i - 1)).as(sorted.get(i - 1) + " < " + sorted.get(i)).isLessThan(vs.get(i));
        }
        assertThat(Version.parse("2.10.0")).isGreaterThan(Version.parse("2.9.0"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"^", "~x", "2.1.0.0", ">=", ">=2.0,,<3", "latest", "v", "vv2", "=>2.0", "2.1.0-", "^-1",
            "99999999999"})
    void rejectsMalformedSpecsNamingTheGrammar(String spec) {
        assertThatThrownBy(() -> VersionSpec.parse(spec)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(spec).hasMessageContaining("^2.1");
    }
}
