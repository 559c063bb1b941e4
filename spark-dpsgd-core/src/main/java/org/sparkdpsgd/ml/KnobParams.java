package org.sparkdpsgd.ml;

import java.io.Serializable;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.sparkdpsgd.train.Knob;
import scala.runtime.AbstractFunction1;

/** MLlib params made from the knob table: the knob's param name, doc and validator. */
final class KnobParams {
  private KnobParams() {}

  static DoubleParam doubleParam(Params owner, Knob k) {
    require(k, Knob.Type.DOUBLE);
    return new DoubleParam(owner, k.param(), k.doc(), new Accepts<>(k));
  }

  static LongParam longParam(Params owner, Knob k) {
    require(k, Knob.Type.LONG);
    return new LongParam(owner, k.param(), k.doc(), new Accepts<>(k));
  }

  static IntParam intParam(Params owner, Knob k) {
    require(k, Knob.Type.INT);
    return new IntParam(owner, k.param(), k.doc(), new Accepts<>(k));
  }

  static Param<String> stringParam(Params owner, Knob k) {
    require(k, Knob.Type.STRING);
    return new Param<>(owner, k.param(), k.doc(), new Accepts<String>(k));
  }

  static org.apache.spark.ml.param.BooleanParam booleanParam(Params owner, Knob k) {
    require(k, Knob.Type.BOOLEAN);
    return new org.apache.spark.ml.param.BooleanParam(owner, k.param(), k.doc());
  }

  private static void require(Knob k, Knob.Type type) {
    if (k.type() != type) {
      throw new IllegalArgumentException(k.param() + " is a " + k.type() + " knob, not " + type);
    }
  }

  /** MLlib validators can only say yes or no; the setters throw the knob's message first. */
  private static final class Accepts<T> extends AbstractFunction1<T, Object>
      implements Serializable {
    private final Knob knob;

    Accepts(Knob knob) {
      this.knob = knob;
    }

    @Override
    public Object apply(T value) {
      return knob.accepts(value);
    }
  }
}
