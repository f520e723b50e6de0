/// Placeholder while the target is built.
enum DroverClientPlaceholder {}
