package fivepp.cli;

import org.junit.jupiter.api.Test;

/** run refuses a network with squeeze-and-excitation gates, which the emulator's cores do not run yet. */
class RunGatedNetworkTest {
  @Test
  void runRefusesAGatedNetworkInOneLineWithStatusTwo() {
    MainTest.assertBadInput(MainTest.run("run", "--model", "efficientnet_b0", "--input", "64x64", "--images", "1"),
        "efficientnet_b0 has squeeze-and-excitation gates, which the emulator's cores do not run yet;"
            + " map, compare and the reference run them");
    MainTest.assertBadInput(MainTest.run("run", "--model", "mobilenet_v3_large", "--images", "1"),
        "mobilenet_v3_large has squeeze-and-excitation gates");
  }
}
