/**
 * JavaPoet generation of {@code QuantModel_<Name>} classes (hand-written and {@code @QuantizeFrom}
 * models) and of the {@code ModelFactory} services file. Generated code is plain Java, marked
 * {@code @Generated}, that calls the runtime; nothing in it is reflective.
 */
package dev.qnn4j.processor.generation;
