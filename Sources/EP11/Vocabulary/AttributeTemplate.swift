/// An ordered set of attributes with unique types: the template of a key generation, unwrap or derivation,
/// or the attributes of a key.
///
/// Setting a type that is already present replaces its value in place, so the template keeps the position of
/// the first occurrence and never holds two values for one type. Iteration follows insertion order; on the
/// wire a template is a map, so two templates are equal when they hold the same attributes in any order.
///
/// ```swift
/// let aes = AttributeTemplate {
///     .valueLength(32); .encrypt(true); .decrypt(true)
///     if exportable { .extractable(true) } else { .extractable(false) }
/// }
/// let same: AttributeTemplate = [.valueLength(32), .encrypt(true), .decrypt(true), .extractable(false)]
/// let literal: AttributeTemplate = [.valueLength: 32, .encrypt: true, .decrypt: true]
/// aes[.valueLength]?.integerValue // 32
/// ```
public struct AttributeTemplate: Sendable {
    private var attributes: [Attribute]

    /// An empty template.
    public init() {
        self.attributes = []
    }

    /// A template of `attributes`; where a type repeats, the later value replaces the earlier one.
    /// Linear in the number of attributes.
    public init(_ attributes: some Sequence<Attribute>) {
        var ordered: [Attribute] = []
        var positions: [AttributeType: Int] = [:]
        for attribute in attributes {
            if let index = positions[attribute.type] {
                ordered[index].value = attribute.value
            } else {
                positions[attribute.type] = ordered.count
                ordered.append(attribute)
            }
        }
        self.attributes = ordered
    }

    /// A template of attributes whose types are already unique (a decoded wire map): no search at all.
    package init(uniqueTypes attributes: [Attribute]) {
        self.attributes = attributes
    }

    /// A template built with ``AttributeTemplateBuilder``.
    public init(@AttributeTemplateBuilder _ build: () throws -> AttributeTemplate) rethrows {
        self = try build()
    }

    /// The value of `type`, or `nil` if the template does not hold it. Setting `nil` removes the attribute;
    /// setting a value replaces an existing one in place or appends a new one.
    public subscript(type: AttributeType) -> AttributeValue? {
        get {
            self.attributes.first { $0.type == type }?.value
        }
        set {
            if let newValue {
                self.set(Attribute(type, newValue))
            } else {
                self.removeValue(for: type)
            }
        }
    }

    /// The attribute types in template order.
    public var types: [AttributeType] {
        self.attributes.map(\.type)
    }

    /// `true` if the template holds a value for `type`.
    public func contains(_ type: AttributeType) -> Bool {
        self.attributes.contains { $0.type == type }
    }

    /// Sets an attribute, replacing the value of an existing attribute of the same type in place.
    public mutating func set(_ attribute: Attribute) {
        if let index = self.attributes.firstIndex(where: { $0.type == attribute.type }) {
            self.attributes[index].value = attribute.value
        } else {
            self.attributes.append(attribute)
        }
    }

    /// Removes the attribute of `type` and returns its value, or returns `nil` if there was none.
    @discardableResult
    public mutating func removeValue(for type: AttributeType) -> AttributeValue? {
        guard let index = self.attributes.firstIndex(where: { $0.type == type }) else {
            return nil
        }
        return self.attributes.remove(at: index).value
    }

    /// Sets every attribute of `other` on this template: shared types take `other`'s value (in this
    /// template's position), new ones are appended in `other`'s order.
    public mutating func merge(_ other: AttributeTemplate) {
        self = AttributeTemplate(self.attributes + other.attributes)
    }

    /// This template with every attribute of `other` set on it; see ``merge(_:)``.
    public func merging(_ other: AttributeTemplate) -> AttributeTemplate {
        var merged = self
        merged.merge(other)
        return merged
    }
}

extension AttributeTemplate: RandomAccessCollection {
    public typealias Index = Int

    public var startIndex: Int {
        self.attributes.startIndex
    }

    public var endIndex: Int {
        self.attributes.endIndex
    }

    public subscript(position: Int) -> Attribute {
        self.attributes[position]
    }
}

extension AttributeTemplate: Hashable {
    /// Templates are equal when they hold the same attributes, whatever their order.
    public static func == (lhs: AttributeTemplate, rhs: AttributeTemplate) -> Bool {
        guard lhs.attributes.count == rhs.attributes.count else {
            return false
        }
        return lhs.attributes.allSatisfy { rhs[$0.type] == $0.value }
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent: combine the attributes' hashes with a commutative operation.
        var combined = 0
        for attribute in self.attributes {
            combined ^= attribute.hashValue
        }
        hasher.combine(self.attributes.count)
        hasher.combine(combined)
    }
}

extension AttributeTemplate: ExpressibleByArrayLiteral {
    /// `[.valueLength(32), .encrypt(true)]`; a repeated type keeps the last value.
    public init(arrayLiteral elements: Attribute...) {
        self.init(elements)
    }
}

extension AttributeTemplate: ExpressibleByDictionaryLiteral {
    /// `[.valueLength: 32, .encrypt: true]`; a repeated type keeps the last value.
    public init(dictionaryLiteral elements: (AttributeType, AttributeValue)...) {
        self.init(elements.map { Attribute($0.0, $0.1) })
    }
}

extension AttributeTemplate: CustomStringConvertible {
    /// `[CKA_VALUE_LEN: 32, CKA_ENCRYPT: true]`; byte values print only their length.
    public var description: String {
        "[" + self.attributes.map(\.description).joined(separator: ", ") + "]"
    }
}
