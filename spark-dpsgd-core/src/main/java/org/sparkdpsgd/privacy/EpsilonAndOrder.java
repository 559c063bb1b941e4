package org.sparkdpsgd.privacy;

/** An ε and the Rényi order that gave it. */
public record EpsilonAndOrder(double epsilon, double order) {}
