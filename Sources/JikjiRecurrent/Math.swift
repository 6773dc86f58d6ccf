#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Scalar libm entry points under explicit names, so generic code reads clearly.
@usableFromInline func Foundation_log(_ x: Double) -> Double { log(x) }
@usableFromInline func Foundation_cos(_ x: Double) -> Double { cos(x) }
