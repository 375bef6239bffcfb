package io.kernelhub.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.core.DType;
import io.kernelhub.core.attention.AttentionInterface;
import io.kernelhub.validate.bench.BenchReport;
import io.kernelhub.validate.bench.BenchResult;
import io.kernelhub.validate.bench.BenchShape;
import io.kernelhub.validate.grid.ValidationCase;
import io.kernelhub.validate.grid.ValidationGrid;
import io.kernelhub.validate.report.HtmlReport;
import io.kernelhub.validate.report.JsonReport;
import io.kernelhub.validate.report.JunitReport;
import io.kernelhub.validate.report.ValidationReport;
import io.kernelhub.validate.run.CaseResult;
import io.kernelhub.validate.run.ValidationTarget;
import io.kernelhub.validate.run.Validator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class GridAndReportsTest {

    @TempDir
    Path tmp;

    @Test
    void quickGridCoversEveryFeatureAndIsStable() {
        List<ValidationCase> a = ValidationGrid.cases(ValidationGrid.Size.QUICK, List.of(DType.F32, DType.BF16), 7);
        List<ValidationCase> b = ValidationGrid.cases(ValidationGrid.Size.QUICK, List.of(DType.F32, DType.BF16), 7);
        assertThat(a).isEqualTo(b);
        Set<String> features = new TreeSet<>();
        a.forEach(c -> c.features().forEach(f -> features.add(f.replaceAll("[(=].*", ""))));
        assertThat(features).contains("causal", "gqa", "mqa", "strided", "padded", "varlen", "window", "softcap", "lse");
        assertThat(a).extracting(ValidationCase::seqQ).contains(1, 113, 239, 1023);
        assertThat(a).extracting(ValidationCase::headDim).contains(32, 80, 256);
        a.forEach(c -> assertThat(c.request()).isNotNull()); // every case is a valid request
        List<ValidationCase> full = ValidationGrid.cases(ValidationGrid.Size.FULL, List.of(DType.F16), 0);
        assertThat(full).extracting(ValidationCase::headDim).contains(40, 59, 111, 224);
        assertThat(full).anySatisfy(c -> assertThat(c.seqQ() == 16 && c.seqK() == 8192).isTrue());
    }

    @Test
    void sdpaPassesAQuickSliceAndSkipsWhatItDoesNotDeclare() {
        Validator v = new Validator(AttentionInterface.global().get("sdpa"), 2);
        List<ValidationCase> cases = ValidationGrid.cases(ValidationGrid.Size.QUICK, List.of(DType.F32), 3).subList(0, 16);
        for (ValidationCase c : cases) {
            CaseResult r = v.run(c);
            assertThat(r.status()).as("%s: %s", c, r.message()).isEqualTo(CaseResult.Status.PASSED);
        }
    }

    @Test
    void targetsParseAsIdsNamesOrDirectories() {
        assertThat(ValidationTarget.parse("sdpa").dir()).isNull();
        assertThat(ValidationTarget.parse("kernels-community/flash-attn2").dir()).isNull();
        assertThatThrownBy(() -> ValidationTarget.parse(tmp.toString())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kernelhub build");
    }

    static ValidationReport sample() {
        List<CaseResult> rs = new ArrayList<>();
        rs.add(new CaseResult("000 f32 d=64 q=1 k=239", "", CaseResult.Status.PASSED, null, 1e-7, 1e-5, Double.NaN, Double.NaN,
                0.5, 1e6, 239));
        rs.add(new CaseResult("001 f32 d=64 q=113 k=203 causal", "causal", CaseResult.Status.FAILED,
                "error over tolerance: max |out - ref| = 0.02 <&> \"quoted\"", 0.02, 1e-5, Double.NaN, Double.NaN, 0.7, 2e6, 203));
        rs.add(CaseResult.skipped("002 f16 d=111 q=1 k=239", "", "not declared by the kernel: head dim 111", 1e6, 239));
        return new ValidationReport("acme/k", "acme/k", "a <kernel>", "cpu", "quick", "f32,f16", 0, false, "host", "2026-11-30T00:00:00Z",
                1.5, rs);
    }

    @Test
    void junitXmlHasTheSurefireShape() throws Exception {
        Path f = tmp.resolve("junit.xml");
        JunitReport.write(sample(), f);
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(f.toFile());
        Element suite = d.getDocumentElement();
        assertThat(suite.getTagName()).isEqualTo("testsuite");
        assertThat(suite.getAttribute("name")).isEqualTo("kernelhub.validate.acme.k.cpu");
        assertThat(suite.getAttribute("tests")).isEqualTo("3");
        assertThat(suite.getAttribute("failures")).isEqualTo("1");
        assertThat(suite.getAttribute("skipped")).isEqualTo("1");
        assertThat(d.getElementsByTagName("testcase").getLength()).isEqualTo(3);
        Element failure = (Element) d.getElementsByTagName("failure").item(0);
        assertThat(failure.getAttribute("message")).contains("<&> \"quoted\"");
        assertThat(failure.getTextContent()).contains("max_abs_err: 0.02").contains("tolerance: 1.0E-5");
        assertThat(((Element) d.getElementsByTagName("skipped").item(0)).getAttribute("message")).contains("head dim 111");
    }

    @Test
    void htmlIsSelfContainedWithPlotsAndJsonHasCounts() throws IOException {
        Path h = tmp.resolve("r.html");
        HtmlReport.write(sample(), h);
        String html = Files.readString(h);
        assertThat(html).contains("FAILED").contains("&lt;&amp;&gt;").contains("&lt;kernel&gt;");
        assertThat(html.split("data:image/png;base64,", -1)).hasSize(3); // two embedded plots
        assertThat(html).doesNotContain("src=\"http");
        var json = JsonReport.toNode(sample());
        assertThat(json.at("/counts/failed").asInt()).isEqualTo(1);
        assertThat(json.at("/passed").asBoolean()).isFalse();
        assertThat(json.at("/cases/2/status").asText()).isEqualTo("skipped");
    }

    @Test
    void benchShapesCountVisiblePairsAndReportRatios() throws IOException {
        BenchShape full = BenchShape.parse("1x8x1024x1024x128", DType.F32, false);
        BenchShape causal = BenchShape.parse("1x8x1024x1024x128", DType.F32, true);
        assertThat(full.flops()).isEqualTo(4.0 * 128 * 8 * 1024 * 1024);
        assertThat(causal.flops()).isEqualTo(4.0 * 128 * 8 * (1024.0 * 1025 / 2));
        assertThat(BenchShape.parse("1x1x2x4x1", DType.F32, true).flops()).isEqualTo(4.0 * (3 + 4)); // bottom-right
        assertThatThrownBy(() -> BenchShape.parse("1x8x1024", DType.F32, false)).hasMessageContaining("BxHxSQxSKxD");
        BenchShape decode = BenchShape.parse("8x32:8x1x8192x128", DType.BF16, false);
        assertThat(decode.heads()).isEqualTo(32);
        assertThat(decode.kvHeads()).isEqualTo(8);
        assertThat(decode.flops()).isEqualTo(4.0 * 128 * 32 * 8 * 8192);
        assertThat(decode.label()).startsWith("8x32:8x1x8192x128");
        assertThat(decode.request().k().shape()).containsExactly(8, 8192, 8, 128);
        assertThat(BenchShape.parse("1x8x64x64x64", DType.F32, false).kvHeads()).isEqualTo(8);
        assertThatThrownBy(() -> BenchShape.parse("1x32:5x1x64x64", DType.F32, false)).hasMessageContaining("multiple of K/V heads");
        assertThatThrownBy(() -> BenchShape.parse("1x32:8:2x1x64x64", DType.F32, false)).hasMessageContaining("Hq:Hkv");
        BenchReport r = new BenchReport(List.of(new BenchResult("a/k", full, 10, 200, null),
                new BenchResult("torch-eager", full, 20, 100, null)), "torch", "cpu");
        assertThat(r.table()).contains("2.00x").contains("FLOPs = 4 * head_dim");
        assertThat(r.json().at("/results/0/ratio_to_peer").asDouble()).isEqualTo(2.0);
        Path h = tmp.resolve("b.html");
        r.writeHtml(h);
        assertThat(Files.readString(h)).contains("data:image/png;base64,");
    }
}
