/// Placeholder while the target is built.
enum DroverCLIPlaceholder {}
