package io.kernelhub.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kernelhub.models.generate.GenerationConfig;
import io.kernelhub.models.generate.GenerationListener;
import io.kernelhub.models.generate.Generator;
import io.kernelhub.models.hf.HfConfigException;
import io.kernelhub.models.reference.LlamaFixtures;
import io.kernelhub.models.safetensors.CheckpointException;
import io.kernelhub.models.safetensors.SafetensorsFile;
import io.kernelhub.models.safetensors.SafetensorsTestFiles;
import io.kernelhub.models.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model directory that is wrong in any way a user can get it wrong fails to load with one
 * message naming the file (and the tensor), and leaves nothing mapped or open behind.
 */
class AutoModelBadInputTest {

    @TempDir
    Path tmp;

    /** A writable copy of the committed "plain" fixture checkpoint. */
    Path copy() throws IOException {
        Path src = LlamaFixtures.dir("plain");
        Path dst = tmp.resolve("model");
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        return dst;
    }

    static ModelOptions options() {
        return ModelOptions.defaults().withThreads(1);
    }

    @Test
    void notADirectory() {
        assertThatThrownBy(() -> AutoModel.fromPretrained(tmp.resolve("missing"), options()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a directory");
    }

    @Test
    void missingConfig() throws IOException {
        Path dir = copy();
        Files.delete(dir.resolve("config.json"));
        assertThatThrownBy(() -> AutoModel.fromPretrained(dir, options()))
                .isInstanceOf(HfConfigException.class).hasMessageStartingWith(dir.resolve("config.json").toString());
    }

    @Test
    void unknownModelTypeListsTheSupportedOnes() throws IOException {
        Path dir = copy();
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"llama\"", "\"mamba\""));
        assertThatThrownBy(() -> AutoModel.fromPretrained(dir, options()))
                .isInstanceOf(HfConfigException.class).hasMessageContaining("mamba").hasMessageContaining("llama");
    }

    @Test
    void missingWeights() throws IOException {
        Path dir = copy();
        Files.delete(dir.resolve("model.safetensors"));
        assertThatThrownBy(() -> AutoModel.fromPretrained(dir, options()))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("model.safetensors");
    }

    @Test
    void truncatedWeightsAreReleased() throws IOException {
        Path dir = copy();
        Path weights = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(all, all.length - 100));
        assertThatThrownBy(() -> AutoModel.fromPretrained(dir, options()))
                .isInstanceOf(CheckpointException.class).hasMessageStartingWith(weights.toString());
        SafetensorsTestFiles.assertReleased(weights);
    }

    @Test
    void shapeThatDisagreesWithTheConfigNamesTheTensorAndUnmaps() throws IOException {
        Path dir = copy();
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replaceFirst("\"intermediate_size\": *48", "\"intermediate_size\": 64"));
        assertThatThrownBy(() -> AutoModel.fromPretrained(dir, options()))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("model.layers.0.mlp.gate_proj.weight")
                .hasMessageContaining("[48, 32]").hasMessageContaining("[64, 32]");
        SafetensorsTestFiles.assertReleased(dir.resolve("model.safetensors"));
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Path dir = copy();
        Path weights = dir.resolve("model.safetensors");
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(weights)) {
            for (String name : f.names()) {
                if (!name.equals("model.layers.1.self_attn.v_proj.weight")) {
                    w.add(name, f.view(name));
                }
            }
            w.writeFile(tmp.resolve("new.safetensors"));
        }
        Files.move(tmp.resolve("new.safetensors"), weights, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> AutoModel.fromPretrained(dir, options()))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("model.layers.1.self_attn.v_proj.weight").hasMessageContaining("not in the checkpoint");
        SafetensorsTestFiles.assertReleased(weights);
    }

    @Test
    void unknownAttentionImplementationReleasesTheCheckpoint() throws IOException {
        Path dir = copy();
        assertThatThrownBy(() -> AutoModel.fromPretrained(dir, options().withAttnImplementation("nope")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");
        assertThatThrownBy(() -> AutoModel.fromPretrained(dir,
                options().withAttnImplementation(java.util.Map.of("", "sdpa", "vision", "eager"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vision");
        SafetensorsTestFiles.assertReleased(dir.resolve("model.safetensors"));
    }

    @Test
    void promptLongerThanMaxPositionsAndBadIdsAreRefusedBeforeAnyWork() throws IOException {
        Path dir = copy();
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config)
                .replaceFirst("\"max_position_embeddings\": *\\d+", "\"max_position_embeddings\": 8"));
        try (CausalLM model = AutoModel.fromPretrained(dir, options())) {
            GenerationConfig greedy = GenerationConfig.greedy(4, List.of());
            assertThatThrownBy(() -> Generator.generate(model, new int[9], greedy, GenerationListener.NONE))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("9 tokens").hasMessageContaining("max_position_embeddings");
            assertThatThrownBy(() -> Generator.generate(model, new int[] {1, 64}, greedy, GenerationListener.NONE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the vocabulary");
            assertThatThrownBy(() -> Generator.generate(model, new int[0], greedy, GenerationListener.NONE))
                    .isInstanceOf(IllegalArgumentException.class);
            // a prompt that fits generates until the positions run out
            var r = Generator.generate(model, new int[] {1, 2, 3, 4, 5, 6}, GenerationConfig.greedy(10, List.of()),
                    GenerationListener.NONE);
            assertThat(r.tokens()).hasSize(3);
            assertThat(r.stopReason().id()).isEqualTo("max_positions");
        }
    }
}
