package org.sparkdpsgd.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdpsgd.model.LayerSpec;
import org.sparkdpsgd.model.ModelSpec;
import org.sparkdpsgd.model.Shape;
import org.sparkdpsgd.util.InvalidInputException;

/**
 * model.init-from: a saved model's parameters come back exactly, for its own network only, and
 * every way a file can be wrong is a one-line error naming the file.
 */
class InitialModelTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Configuration HADOOP = new Configuration();

  @TempDir Path dir;

  private static final ModelSpec SPEC =
      new ModelSpec(
          new Shape(4, 1, 1), List.of(new LayerSpec.Dense(3), LayerSpec.Activate.tanh()), 2);

  /** A model.json as dpsgd train writes it, for SPEC, changed by {@code edit}. */
  private Path saved(String name, Consumer<ObjectNode> edit) throws IOException {
    ObjectNode m = JSON.createObjectNode();
    m.put("format", InitialModel.FORMAT);
    m.put("format_version", 2);
    m.putArray("input_shape").add(4).add(1).add(1);
    m.putPOJO("layers", SPEC.layers().stream().map(LayerSpec::toMap).toList());
    m.put("num_classes", 2);
    m.putPOJO("params", SPEC.initialParams(7));
    edit.accept(m);
    Path p = dir.resolve(name);
    JSON.writeValue(p.toFile(), m);
    return p;
  }

  @Test
  void readsTheSavedParametersExactly() throws IOException {
    Path p = saved("model.json", m -> {});
    assertArrayEquals(SPEC.initialParams(7), InitialModel.read(p.toString(), SPEC, HADOOP));
    // through the config: with it the run starts there, without it from the init seed
    DpSgdConfig c = new DpSgdConfig();
    assertArrayEquals(SPEC.initialParams(3), c.initialParams(SPEC, 3, HADOOP));
    c.initFrom("file://" + p);
    assertArrayEquals(SPEC.initialParams(7), c.initialParams(SPEC, 3, HADOOP));
  }

  @Test
  void refusesAnotherNetworkNamingBoth() throws IOException {
    Path p = saved("model.json", m -> {});
    ModelSpec wider =
        new ModelSpec(
            new Shape(4, 1, 1), List.of(new LayerSpec.Dense(5), LayerSpec.Activate.tanh()), 2);
    String msg = refusal(p, wider);
    assertTrue(msg.contains(SPEC.describe()) && msg.contains(wider.describe()), msg);
  }

  @Test
  void refusesFilesThatAreNotSuchAModel() throws IOException {
    assertTrue(
        refusal(saved("other.json", m -> m.put("format", "something")), SPEC)
            .contains("is not a model written by dpsgd train"));
    assertTrue(
        refusal(saved("short.json", m -> m.putPOJO("params", new double[] {1, 2})), SPEC)
            .contains("holds 2 parameters; its network has " + SPEC.numParams()));
    assertTrue(
        refusal(
                saved(
                    "nan.json",
                    m -> {
                      com.fasterxml.jackson.databind.node.ArrayNode p = m.putArray("params");
                      for (double v : SPEC.initialParams(7)) {
                        p.add(v);
                      }
                      p.set(4, JSON.getNodeFactory().textNode("NaN"));
                    }),
                SPEC)
            .contains("parameter 4 is not a finite number"));
    assertTrue(
        refusal(saved("noshape.json", m -> m.remove("input_shape")), SPEC)
            .contains("has no readable network"));
    Path text = Files.writeString(dir.resolve("text.json"), "not json");
    assertTrue(refusal(text, SPEC).contains("cannot be read as JSON"));
    assertTrue(refusal(dir.resolve("missing.json"), SPEC).contains("cannot be read"));
    assertThrows(InvalidInputException.class, () -> new DpSgdConfig().initFrom(" "));
  }

  private static String refusal(Path p, ModelSpec spec) {
    String msg =
        assertThrows(
                InvalidInputException.class, () -> InitialModel.read(p.toString(), spec, HADOOP))
            .getMessage();
    assertTrue(msg.startsWith("model.init-from: " + p + " "), msg);
    assertTrue(!msg.contains("\n"), msg);
    return msg;
  }
}
