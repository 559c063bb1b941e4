package org.sparkdpsgd.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.model.LayerSpec;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.util.InvalidInputException;

/** The trainer's config builds a language model from its window and vocabulary, and checks both. */
class LanguageModelConfigTest {
  private static final List<LayerSpec> LAYERS =
      List.of(
          new LayerSpec.Embedding(8),
          new LayerSpec.CausalConv1D(16, 3, 1),
          LayerSpec.Activate.tanh());

  @Test
  void languageModelTakesItsShapeFromTheWindowAndVocabulary() {
    ModelSpec spec = new DpSgdConfig().layers(LAYERS).languageModel(32, 98).modelSpec(33, 1);
    assertTrue(spec.isSequence());
    assertEquals(32, spec.window());
    assertEquals(98, spec.numClasses());
  }

  @Test
  void mismatchesAreRefusedWithTheValues() {
    DpSgdConfig lm = new DpSgdConfig().layers(LAYERS).languageModel(32, 98);
    InvalidInputException rows =
        assertThrows(InvalidInputException.class, () -> lm.modelSpec(65, 1));
    assertEquals(
        "a language model with model.window = 32 needs rows of 33 token ids (the window and the"
            + " character after it); the data's rows have 65",
        rows.getMessage());
    lm.featureTransform(2, -1);
    InvalidInputException scaled =
        assertThrows(InvalidInputException.class, () -> lm.modelSpec(33, 1));
    assertTrue(scaled.getMessage().endsWith("provided values: 2.0, -1.0"), scaled.getMessage());
    InvalidInputException classifier =
        assertThrows(
            InvalidInputException.class, () -> new DpSgdConfig().layers(LAYERS).modelSpec(33, 5));
    assertTrue(classifier.getMessage().contains("model.type = charlm"), classifier.getMessage());
  }
}
