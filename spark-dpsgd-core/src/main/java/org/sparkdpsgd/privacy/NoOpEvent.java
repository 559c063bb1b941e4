package org.sparkdpsgd.privacy;

/** A step that releases nothing about the data. */
public record NoOpEvent() implements DpEvent {}
