import Testing

/// Namespace for the vocabulary suites, so their type names cannot clash with other EP11 test suites.
@Suite("Vocabulary")
enum VocabularyTests {}
