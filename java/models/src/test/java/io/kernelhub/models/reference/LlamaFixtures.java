package io.kernelhub.models.reference;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/** The committed fixture checkpoints (llama-fixtures/ in the test resources), for the runtime's tests. */
public final class LlamaFixtures {

    /** Every case, as index.txt lists them. */
    public static final List<String> CASES = List.of("plain", "llama3-bias-tied", "head-dim-mqa");

    private LlamaFixtures() {
    }

    /** The directory of one case: a genuine Hugging Face model directory. */
    public static Path dir(String name) {
        try {
            Path index = Path.of(Objects.requireNonNull(LlamaFixtures.class.getResource("/llama-fixtures/index.txt"),
                    "llama-fixtures/index.txt is not on the test classpath").toURI());
            return index.getParent().resolve(name);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
