package io.kernelhub.models;

import io.kernelhub.core.DType;

/**
 * A ViT-style image encoder's hyper-parameters. Images are square, channels-first
 * ([channels][height][width] flattened), cut into non-overlapping square patches.
 *
 * @param imageSize          image height and width in pixels
 * @param channels           colour channels
 * @param patchSize          patch height and width; must divide imageSize
 * @param hidden             encoder width
 * @param layers             encoder layers
 * @param heads              attention heads (no GQA in the encoder)
 * @param headDim            per-head dimension
 * @param intermediate       MLP inner width
 * @param normEps            LayerNorm epsilon
 * @param dtype              dtype of q/k/v given to attention
 * @param attnImplementation attention implementation name the encoder starts with
 */
public record VisionConfig(int imageSize, int channels, int patchSize, int hidden, int layers, int heads, int headDim,
                           int intermediate, double normEps, DType dtype, String attnImplementation) {

    public VisionConfig {
        if (imageSize < 1 || channels < 1 || patchSize < 1 || imageSize % patchSize != 0) {
            throw new IllegalArgumentException("patch size " + patchSize + " must divide image size " + imageSize
                    + " (both >= 1, channels >= 1)");
        }
        if (hidden < 1 || layers < 1 || heads < 1 || headDim < 1 || intermediate < 1 || !(normEps > 0)) {
            throw new IllegalArgumentException("hidden, layers, heads, head dim, intermediate and eps must be positive");
        }
        if (dtype == null) {
            throw new IllegalArgumentException("dtype is required");
        }
        if (attnImplementation == null || attnImplementation.isBlank()) {
            throw new IllegalArgumentException("attnImplementation is required, e.g. \"eager\" or \"sdpa\"");
        }
    }

    /** 32x32 RGB in 8x8 patches (16 patches), hidden 64, 2 layers, 4 heads of dim 16, sdpa. */
    public static VisionConfig tiny() {
        return new VisionConfig(32, 3, 8, 64, 2, 4, 16, 128, 1e-6, DType.F32, "sdpa");
    }

    public VisionConfig withAttnImplementation(String name) {
        return new VisionConfig(imageSize, channels, patchSize, hidden, layers, heads, headDim, intermediate, normEps,
                dtype, name);
    }

    public VisionConfig withDtype(DType newDtype) {
        return new VisionConfig(imageSize, channels, patchSize, hidden, layers, heads, headDim, intermediate, normEps,
                newDtype, attnImplementation);
    }

    /** Patches per image: the number of image positions the encoder produces. */
    public int numPatches() {
        int side = imageSize / patchSize;
        return side * side;
    }

    /** Values in one flattened patch. */
    public int patchDim() {
        return channels * patchSize * patchSize;
    }

    /** Values in one flattened image. */
    public int pixelCount() {
        return channels * imageSize * imageSize;
    }

    /** The shape of the encoder's (bidirectional) attention calls. */
    public AttentionSpec attentionSpec() {
        return new AttentionSpec(dtype, heads, heads, headDim, false);
    }
}
