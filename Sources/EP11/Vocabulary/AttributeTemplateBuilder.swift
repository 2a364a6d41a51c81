/// Builds an ``AttributeTemplate`` from a list of attributes, with `if`, `if`/`else`, `switch`, `for` and
/// optional attributes.
///
/// Each statement is an ``Attribute``, an optional `Attribute` (`nil` adds nothing) or a whole
/// ``AttributeTemplate`` to splice in. A later attribute of the same type replaces an earlier one.
///
/// Separate attributes with `;`, or end each line with one: Swift reads a line that starts with `.` as a
/// continuation of the line before (`.sign(true)` on its own line would become `previous.sign(true)`).
///
/// ```swift
/// let publicKey = AttributeTemplate {
///     .ecParameters(.p256); .verify(true);
///     .token(false);
///     if let label { .label(label) }
///     for usage in extraUsages { usage }
///     defaults  // an AttributeTemplate
/// }
/// ```
@resultBuilder
public enum AttributeTemplateBuilder {
    public static func buildExpression(_ attribute: Attribute) -> [Attribute] {
        [attribute]
    }

    public static func buildExpression(_ attribute: Attribute?) -> [Attribute] {
        attribute.map { [$0] } ?? []
    }

    public static func buildExpression(_ template: AttributeTemplate) -> [Attribute] {
        Array(template)
    }

    public static func buildBlock(_ components: [Attribute]...) -> [Attribute] {
        components.flatMap { $0 }
    }

    public static func buildOptional(_ component: [Attribute]?) -> [Attribute] {
        component ?? []
    }

    public static func buildEither(first component: [Attribute]) -> [Attribute] {
        component
    }

    public static func buildEither(second component: [Attribute]) -> [Attribute] {
        component
    }

    public static func buildArray(_ components: [[Attribute]]) -> [Attribute] {
        components.flatMap { $0 }
    }

    public static func buildLimitedAvailability(_ component: [Attribute]) -> [Attribute] {
        component
    }

    public static func buildFinalResult(_ component: [Attribute]) -> AttributeTemplate {
        AttributeTemplate(component)
    }
}
