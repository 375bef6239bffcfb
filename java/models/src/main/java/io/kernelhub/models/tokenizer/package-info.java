/**
 * Text to token ids and back for Hugging Face model directories.
 *
 * <ul>
 *   <li>{@link io.kernelhub.models.tokenizer.TextTokenizer}: a directory's {@code tokenizer.json},
 *       run by the reference Rust tokenizers library through DJL; absent when the directory has
 *       none (token ids still work).</li>
 *   <li>{@link io.kernelhub.models.tokenizer.StreamingDecoder}: generated ids to text one at a
 *       time, never splitting a multi-byte character.</li>
 * </ul>
 * Bad files are {@link io.kernelhub.models.hf.HfConfigException}s naming the file, like the
 * other files of a model directory.
 */
package io.kernelhub.models.tokenizer;
