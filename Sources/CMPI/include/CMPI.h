#ifndef JIKJI_CMPI_H
#define JIKJI_CMPI_H

// Open MPI, opened at run time only when the process was started by mpirun.
//
// Why not link libmpi: the default build and the default run must need no MPI at all (no
// headers, no library, no daemon), and one `jikji` binary must serve both. So, as with OpenBLAS
// (CBLAS.h), JikjiDistributed opens Open MPI's libmpi.so.40 with dlopen once it saw mpirun's
// environment, and every call goes through the entry points resolved here. Open MPI's handles
// (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, …) are the addresses of exported global objects
// (ompi_mpi_comm_world, ompi_mpi_float, ompi_mpi_op_sum), so they are resolved with dlsym too;
// this ties the shim to Open MPI's ABI (libmpi.so.40: Open MPI 3.0 to 4.1), which is the
// engine the project runs on. No MPI header is needed to build.
//
// The calls below may only run after `jikji_mpi_open` and `jikji_mpi_init` returned 0 (the
// Swift `Communicator` guarantees it). Every call returns MPI's error code (0: success).

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Opens libmpi (`path` when not NULL, else libmpi.so.40, then libmpi.so) and resolves the
/// entry points and handles. Returns 0 on success (also when already open), otherwise -1 with
/// the reason in `error`.
int jikji_mpi_open(const char *path, char *error, size_t capacity);

/// The file names `jikji_mpi_open` tries, separated by ", ".
const char *jikji_mpi_library_names(void);

/// MPI_Init (no threads call MPI but the one that initialised it).
int jikji_mpi_init(void);
/// MPI_Finalize.
int jikji_mpi_finalize(void);
/// MPI_Abort on MPI_COMM_WORLD: ends every rank of the job with `code`.
int jikji_mpi_abort(int code);
/// MPI_Comm_rank / MPI_Comm_size of MPI_COMM_WORLD.
int jikji_mpi_rank(int *rank);
int jikji_mpi_size(int *size);
/// MPI_Get_processor_name (the host name), NUL-terminated into `name`.
int jikji_mpi_processor_name(char *name, size_t capacity);
/// MPI_Barrier on MPI_COMM_WORLD.
int jikji_mpi_barrier(void);
/// MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD).
int jikji_mpi_allreduce_sum_float(float *buffer, int count);
/// MPI_Allgather of `count` ints from every rank into `received` (size × count, rank order).
int jikji_mpi_allgather_int(const int32_t *sent, int count, int32_t *received);
/// MPI_Allgatherv of floats: this rank's `sent[0..<count]`; rank r's block lands at
/// `received + displacements[r]` with `counts[r]` values.
int jikji_mpi_allgatherv_float(const float *sent, int count, float *received, const int *counts, const int *displacements);
/// MPI_Allgatherv of ints, as `jikji_mpi_allgatherv_float`.
int jikji_mpi_allgatherv_int(const int32_t *sent, int count, int32_t *received, const int *counts, const int *displacements);
/// MPI_Bcast of `count` bytes from `root`.
int jikji_mpi_broadcast_bytes(void *buffer, int count, int root);
/// MPI_Error_string for `code` into `text`.
void jikji_mpi_error_text(int code, char *text, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif
