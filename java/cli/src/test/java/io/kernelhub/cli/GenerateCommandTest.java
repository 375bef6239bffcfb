package io.kernelhub.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kernelhub.models.AutoModel;
import io.kernelhub.models.CausalLM;
import io.kernelhub.models.ModelOptions;
import io.kernelhub.models.hf.HfCheckpointWriter;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code kernelhub generate} on genuine Hugging Face directories written by the checkpoint
 * writer: the JSON fields the issue names, streaming text, logits saved as .npy equal to the
 * model's, and every bad input one line and exit 2.
 */
class GenerateCommandTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;
    static Path model;

    @BeforeAll
    static void writeModel() {
        model = HfCheckpointWriter.write(HfCheckpointWriter.tiny(7), shared.resolve("tiny")).directory();
    }

    @TempDir
    Path tmp;

    @Test
    void jsonHasTheFieldsTheIssueNames() throws IOException {
        Cli r = Cli.run("generate", model.toString(), "--tokens", "510,17,42,99", "--max-new-tokens", "5", "--greedy",
                "--threads", "1", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = JSON.readTree(r.out());
        for (String key : GenerateCommand.keys()) {
            assertThat(j.has(key)).as(key).isTrue();
        }
        assertThat(j.get("model_type").asText()).isEqualTo("llama");
        assertThat(j.get("impl").asText()).isEqualTo("sdpa");
        assertThat(j.get("dtype").asText()).isEqualTo("f32");
        assertThat(ints(j.get("prompt_tokens"))).containsExactly(510, 17, 42, 99);
        assertThat(ints(j.get("tokens"))).hasSize(5);
        assertThat(Arrays.stream(ints(j.get("tokens"))).allMatch(id -> id >= 0 && id < 512)).isTrue();
        assertThat(j.get("text").asText()).isNotNull();
        assertThat(j.get("stop_reason").asText()).isEqualTo("max_new_tokens");
        assertThat(j.get("prefill_ms").asDouble()).isPositive();
        assertThat(j.get("prefill_tokens_per_s").asDouble()).isPositive();
        assertThat(j.get("decode_tokens_per_s").asDouble()).isPositive();
        assertThat(j.get("peak_rss_mb").asDouble()).isPositive();
    }

    @Test
    void promptTextStreamsToStdoutAndEqualsTheJsonText() throws IOException {
        String prompt = "The hub serves kernels";
        Cli stream = Cli.run("generate", model.toString(), "--prompt", prompt, "--max-new-tokens", "8", "--threads", "1");
        assertThat(stream.exit()).as(stream.err()).isZero();
        Cli json = Cli.run("generate", model.toString(), "--prompt", prompt, "--max-new-tokens", "8", "--threads", "1",
                "--json");
        JsonNode j = JSON.readTree(json.out());
        assertThat(j.get("prompt_tokens").get(0).asInt()).as("bos first").isEqualTo(510);
        assertThat(stream.out()).isEqualTo(prompt + j.get("text").asText() + System.lineSeparator());
        assertThat(stream.err()).contains("prompt tokens at").contains("8 new at").contains("stop: max_new_tokens");
    }

    @Test
    void savedLogitsAreTheModelsPromptLogits() throws IOException {
        Path npy = tmp.resolve("out/logits.npy");
        int[] tokens = {510, 3, 250, 77, 9, 300};
        Cli r = Cli.run("generate", model.toString(), "--tokens", join(tokens), "--max-new-tokens", "1", "--threads", "1",
                "--save-logits", npy.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        NpyReader saved = NpyReader.read(npy);
        assertThat(saved.descr()).isEqualTo("<f4");
        assertThat(saved.shape()).containsExactly(tokens.length, 512);
        float[][] expected;
        try (CausalLM m = AutoModel.fromPretrained(model, ModelOptions.defaults().withThreads(1))) {
            expected = m.logits(tokens);
        }
        var floats = saved.data().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int i = 0; i < tokens.length; i++) {
            float[] row = new float[512];
            floats.get(row);
            assertThat(row).as("position %d", i).containsExactly(expected[i]);
        }
        try (Stream<Path> left = Files.list(npy.getParent())) {
            assertThat(left.map(p -> p.getFileName().toString()).toList()).containsExactly("logits.npy");
        }
    }

    @Test
    void eagerAndSdpaGenerateTheSameGreedyTokens() throws IOException {
        List<List<Integer>> runs = new ArrayList<>();
        for (String impl : List.of("eager", "sdpa")) {
            Cli r = Cli.run("generate", model.toString(), "--tokens", "510,1,2,3", "--max-new-tokens", "12", "--greedy",
                    "--impl", impl, "--threads", "2", "--json");
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode j = JSON.readTree(r.out());
            assertThat(j.get("impl").asText()).isEqualTo(impl);
            runs.add(Arrays.stream(ints(j.get("tokens"))).boxed().toList());
        }
        assertThat(runs.get(1)).isEqualTo(runs.get(0));
    }

    /** The first greedy token made the eos id: generation stops after it, unless --ignore-eos. */
    @Test
    void eosStopsUnlessIgnored() throws IOException {
        Cli first = Cli.run("generate", model.toString(), "--tokens", "510,9,8", "--max-new-tokens", "1", "--greedy",
                "--threads", "1", "--json");
        int eos = JSON.readTree(first.out()).get("tokens").get(0).asInt();
        Path dir = tmp.resolve("eos");
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(model)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": " + eos + ", \"do_sample\": false}");
        Cli stops = Cli.run("generate", dir.toString(), "--tokens", "510,9,8", "--max-new-tokens", "6", "--greedy",
                "--threads", "1", "--json");
        JsonNode j = JSON.readTree(stops.out());
        assertThat(ints(j.get("tokens"))).containsExactly(eos);
        assertThat(j.get("stop_reason").asText()).isEqualTo("eos");
        Cli ignores = Cli.run("generate", dir.toString(), "--tokens", "510,9,8", "--max-new-tokens", "6", "--greedy",
                "--ignore-eos", "--threads", "1", "--json");
        assertThat(JSON.readTree(ignores.out()).get("tokens")).hasSize(6);
    }

    @Test
    void sameSeedSameSampleDifferentSeedDifferent() throws IOException {
        List<String> outs = new ArrayList<>();
        for (String seed : List.of("1", "1", "2")) {
            Cli r = Cli.run("generate", model.toString(), "--tokens", "510,5", "--max-new-tokens", "16", "--temperature",
                    "1.5", "--top-k", "100", "--top-p", "0.95", "--seed", seed, "--threads", "1", "--json");
            assertThat(r.exit()).as(r.err()).isZero();
            outs.add(JSON.readTree(r.out()).get("tokens").toString());
        }
        assertThat(outs.get(1)).isEqualTo(outs.get(0));
        assertThat(outs.get(2)).isNotEqualTo(outs.get(0));
    }

    static Stream<String[]> badInputs() throws IOException {
        return Stream.of(
                new String[] {"missing", "--tokens 1 | not a directory"},
                new String[] {"model", "--tokens 1,512 | outside the vocabulary 0..511"},
                new String[] {"model", "--tokens " + join(new int[129]) + " | max_position_embeddings"},
                new String[] {"model", "--tokens 1 --greedy --temperature 0.7 | --greedy cannot be combined"},
                new String[] {"model", "--tokens 1 --temperature 0 | temperature must be a finite number > 0"},
                new String[] {"model", "--tokens 1 --top-p 1.5 | top-p must be in (0, 1]"},
                new String[] {"model", "--tokens 1 --impl nope | nope"},
                new String[] {"model", "--tokens 1 --impl vision=eager,text=sdpa | valid keys"},
                new String[] {"model", "--tokens 1 --impl vision | "},
                new String[] {"model", "--tokens x | 'x' is not an int"},
                new String[] {"model", "--tokens 1 --max-new-tokens -1 | --max-new-tokens must be >= 0"},
                new String[] {"model", " | Missing required argument"},
                new String[] {"no-tokenizer", "--prompt hello | has no tokenizer.json: pass token ids with --tokens"},
                new String[] {"truncated", "--tokens 1 | model.safetensors"},
                new String[] {"mamba", "--tokens 1 | mamba"},
                new String[] {"wrong-shape", "--tokens 1 | model.layers.0.mlp.gate_proj.weight"},
                new String[] {"header-past-end", "--tokens 1 | model.safetensors"},
                new String[] {"int8-norm", "--tokens 1 | model.norm.weight"},
                new String[] {"unreadable-config", "--tokens 1 | config.json"});
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("badInputs")
    void badInputIsOneLineAndExitTwo(String dirKind, String argsAndFragment) throws IOException {
        String[] parts = argsAndFragment.split(" \\| ", -1);
        Path dir = directory(dirKind);
        List<String> args = new ArrayList<>(List.of("generate", dir.toString()));
        for (String a : parts[0].strip().split(" ")) {
            if (!a.isEmpty()) {
                args.add(a);
            }
        }
        Cli r = Cli.run(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(r.err()).hasSize(1);
        assertThat(lines.get(0)).startsWith("kernelhub: error: ").contains(parts[1].strip());
        assertThat(r.err()).doesNotContain("\tat ", "Exception");
    }

    private Path directory(String kind) throws IOException {
        if (kind.equals("missing")) {
            return tmp.resolve("missing");
        }
        if (kind.equals("model")) {
            return model;
        }
        Path dir = tmp.resolve(kind);
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(model)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        switch (kind) {
            case "no-tokenizer" -> Files.delete(dir.resolve("tokenizer.json"));
            case "truncated" -> {
                Path w = dir.resolve("model.safetensors");
                byte[] b = Files.readAllBytes(w);
                Files.write(w, Arrays.copyOf(b, b.length / 2));
            }
            case "mamba" -> edit(dir.resolve("config.json"), "\"llama\"", "\"mamba\"");
            case "wrong-shape" -> edit(dir.resolve("config.json"), "\"intermediate_size\": 176", "\"intermediate_size\": 177");
            case "header-past-end" -> {
                // the 8-byte little-endian header length points far past the end of the file
                Path w = dir.resolve("model.safetensors");
                byte[] b = Files.readAllBytes(w);
                java.nio.ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, b.length * 4L);
                Files.write(w, b);
            }
            case "int8-norm" -> {
                // the same tensors, but the final norm stored as I8: a dtype kernelhub does not compute in
                Path w = dir.resolve("model.safetensors");
                var writer = new io.kernelhub.models.safetensors.SafetensorsWriter();
                try (var f = io.kernelhub.models.safetensors.SafetensorsFile.open(w)) {
                    for (String name : f.names()) {
                        if (name.equals("model.norm.weight")) {
                            writer.addRaw(name, io.kernelhub.models.safetensors.SafetensorsDType.I8, new long[] {64},
                                    java.lang.foreign.MemorySegment.ofArray(new byte[64]));
                        } else {
                            writer.add(name, f.view(name));
                        }
                    }
                    writer.writeFile(dir.resolve("new.safetensors"));
                }
                Files.move(dir.resolve("new.safetensors"), w, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            case "unreadable-config" -> Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\", ");
            default -> throw new IllegalArgumentException(kind);
        }
        return dir;
    }

    private static void edit(Path file, String from, String to) throws IOException {
        String s = Files.readString(file);
        assertThat(s).as("%s holds %s", file, from).contains(from);
        Files.writeString(file, s.replace(from, to));
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    static String join(int[] ids) {
        return String.join(",", Arrays.stream(ids).mapToObj(Integer::toString).toList());
    }
}
