package io.cutflow.worker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCacheTest {

  @TempDir Path tmp;

  @Test
  void resolutionOrder() throws Exception {
    Path checkout = tmp.resolve("checkout");
    Files.createDirectories(checkout.resolve("models"));
    Files.writeString(checkout.resolve("models/models.json"), "{}");
    Path cwd = Files.createDirectories(checkout.resolve("worker/src"));
    Path home = tmp.resolve("home");
    Map<String, String> env = new HashMap<>();
    Properties props = new Properties();

    assertEquals(
        checkout.resolve("models/cache"), ModelCache.resolve(null, env, props, cwd, home).dir());
    env.put("CUTFLOW_HOME", tmp.resolve("ch").toString());
    assertEquals(
        tmp.resolve("ch/models/cache"), ModelCache.resolve(null, env, props, cwd, home).dir());
    props.setProperty("cutflow.models.cache", tmp.resolve("prop").toString());
    assertEquals(tmp.resolve("prop"), ModelCache.resolve(null, env, props, cwd, home).dir());
    env.put("CUTFLOW_MODEL_CACHE", tmp.resolve("env").toString());
    assertEquals(tmp.resolve("env"), ModelCache.resolve(null, env, props, cwd, home).dir());
    assertEquals(
        tmp.resolve("explicit"),
        ModelCache.resolve(tmp.resolve("explicit"), env, props, cwd, home).dir());
  }

  @Test
  void fallsBackToUserCache() {
    Path home = tmp.resolve("home");
    assertEquals(
        home.resolve(".cache/cutflow/models"),
        ModelCache.resolve(null, Map.of(), new Properties(), tmp, home).dir());
  }

  @Test
  void fromTheWorkerModuleResolvesToTheCheckoutsModelsCache() throws Exception {
    // surefire runs in the worker module directory; the checkout root holds models/models.json
    Path cwd = Path.of("").toAbsolutePath();
    Path checkoutRoot = cwd.getParent();
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.isRegularFile(checkoutRoot.resolve("models/models.json")),
        "not running inside a checkout");
    ModelCache c = ModelCache.resolve(null, Map.of(), new Properties(), cwd, tmp);
    assertEquals(checkoutRoot.resolve("models/cache").normalize(), c.dir());
    if (System.getenv(ModelCache.ENV) == null
        && System.getProperty(ModelCache.PROPERTY) == null
        && System.getenv(ModelCache.HOME_ENV) == null) {
      assertEquals(checkoutRoot.resolve("models/cache").normalize(), ModelCache.resolve().dir());
    }
  }
}
