package org.sparkdpsgd.ml

import org.apache.spark.ml.{Pipeline, PipelineModel}
import org.apache.spark.ml.feature.VectorAssembler
import org.apache.spark.sql.SparkSession
import org.scalatest.flatspec.AnyFlatSpec
import org.scalatest.matchers.should.Matchers

/** The Estimator as a Scala notebook user (a Zeppelin %spark paragraph) drives it. */
class DPSGDClassifierSpec extends AnyFlatSpec with Matchers {
  private lazy val spark = SparkSession.builder().master("local[2]").appName("spark-dpsgd-scala-spec")
    .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").getOrCreate()

  private def data(n: Int, seed: Long) = {
    val session = spark
    import session.implicits._
    val rng = new scala.util.Random(seed)
    (1 to n).map { _ =>
      val y = rng.nextInt(2)
      (rng.nextGaussian() + 2 * y, rng.nextGaussian() - 2 * y, y.toDouble)
    }.toDF("x1", "x2", "label")
  }

  "DPSGDClassifier" should "fit in a Pipeline, report its privacy and predict well" in {
    val dp = new DPSGDClassifier().setNumClasses(2)
      .setHiddenLayers(Array(4)).setExpectedBatchSize(100).setEpochs(3)
      .setLearningRate(0.5).setTargetEpsilon(2.0).setDelta(1e-5)
    val assembler = new VectorAssembler().setInputCols(Array("x1", "x2")).setOutputCol("features")
    val model = new Pipeline().setStages(Array(assembler, dp)).fit(data(2000, 1))

    val report = model.stages.last.asInstanceOf[DPSGDClassificationModel].privacyReport
    report.epsilon shouldBe 2.0 +- 1e-6
    report.steps shouldBe 60L
    report.accountant shouldBe "rdp"

    val test = data(500, 2)
    val accuracy = model.transform(test).where("prediction = label").count().toDouble / 500
    accuracy should be > 0.9
  }

  it should "save and load with the same predictions" in {
    val dp = new DPSGDClassifier().setNumClasses(2).setExpectedBatchSize(100).setEpochs(2).setNoiseMultiplier(1.0)
    val assembler = new VectorAssembler().setInputCols(Array("x1", "x2")).setOutputCol("features")
    val model = new Pipeline().setStages(Array(assembler, dp)).fit(data(1000, 3))
    val dir = java.nio.file.Files.createTempDirectory("dpsgd-spec").resolve("model").toString
    model.write.overwrite().save(dir)
    val loaded = PipelineModel.load(dir)
    val test = data(200, 4)
    loaded.transform(test).select("probability").collect() shouldBe model.transform(test).select("probability").collect()
  }

  it should "refuse bad hyperparameters with the value in the message" in {
    val e = intercept[IllegalArgumentException](new DPSGDClassifier().setL2NormClip(-1.0))
    e.getMessage should include("-1.0")
  }
}
