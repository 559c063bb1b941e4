package org.sparkdpsgd.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkdpsgd.model.LayerSpec;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.text.CharVocabulary;
import org.sparkdpsgd.util.InvalidInputException;

/** model.type = charlm builds a language model over the fixed character vocabulary. */
class CharLmSettingsTest {
  private static final String LAYERS =
      "model.layers=[{type=embedding,dim=8},{type=causal-conv1d,filters=12,kernel=3,dilation=2},"
          + "{type=tanh}]";

  @Test
  void charlmIsALanguageModelOverTheCharacterVocabulary() {
    ModelSpec spec =
        TrainerSettings.from(
                JobConfig.load(null, List.of("model.type=charlm", "model.window=16", LAYERS)))
            .modelSpec(17, 1);
    assertTrue(spec.isSequence());
    assertEquals(16, spec.window());
    assertEquals(CharVocabulary.SIZE, spec.numClasses());
    assertEquals(
        List.of(
            new LayerSpec.Embedding(8),
            new LayerSpec.CausalConv1D(12, 3, 2),
            LayerSpec.Activate.tanh()),
        spec.layers());
  }

  @Test
  void aBadWindowNamesItsKey() {
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () ->
                TrainerSettings.from(
                    JobConfig.load(null, List.of("model.type=charlm", "model.window=0", LAYERS))));
    assertTrue(e.getMessage().contains("model.window must be > 0"), e.getMessage());
  }
}
