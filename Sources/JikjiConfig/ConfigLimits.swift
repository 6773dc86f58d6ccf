/// Bounds on what a configuration text may expand to, checked while reading it so that hostile
/// or broken files are errors rather than a stack overflow or gigabytes of memory.
public enum ConfigLimits {
    /// Deepest nesting of mappings and lists (job files use 4, pipelines 3). Checked on the text
    /// before the YAML parser sees it: the parser and the tree builders recurse once per level,
    /// and an 8,000-deep `[[[…]]]` overflows the stack.
    public static let maximumDepth = 64
    /// Most nodes a text may compose to, aliases expanded. A 1 KB file of nested aliases
    /// ("billion laughs") would otherwise expand to billions of nodes.
    public static let maximumNodes = 100_000
}
