// Open MPI opened with dlopen when the process runs under mpirun (see CMPI.h for why).
//
// The prototypes below are MPI's, written with opaque handle pointers: in Open MPI every handle
// type (MPI_Comm, MPI_Datatype, MPI_Op) is a pointer to a struct, and the predefined handles are
// the addresses of the library's global objects.

#include "CMPI.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#define JIKJI_MPI_NAMES "libmpi.so.40, libmpi.so"
static const char *const library_names[] = {"libmpi.so.40", "libmpi.so"};

typedef void *handle_t;
// Open MPI's MPI_IN_PLACE: ((void *) 1).
#define JIKJI_MPI_IN_PLACE ((void *)1)

static void *library;
static handle_t comm_world, type_float, type_int, type_byte, op_sum;
static int (*entry_init)(int *, char ***);
static int (*entry_finalize)(void);
static int (*entry_abort)(handle_t, int);
static int (*entry_comm_rank)(handle_t, int *);
static int (*entry_comm_size)(handle_t, int *);
static int (*entry_get_processor_name)(char *, int *);
static int (*entry_barrier)(handle_t);
static int (*entry_allreduce)(const void *, void *, int, handle_t, handle_t, handle_t);
static int (*entry_allgather)(const void *, int, handle_t, void *, int, handle_t, handle_t);
static int (*entry_allgatherv)(const void *, int, handle_t, void *, const int *, const int *, handle_t, handle_t);
static int (*entry_bcast)(void *, int, handle_t, int, handle_t);
static int (*entry_error_string)(int, char *, int *);

const char *jikji_mpi_library_names(void) { return JIKJI_MPI_NAMES; }

int jikji_mpi_open(const char *path, char *error, size_t capacity) {
    if (library) return 0;
    const char *reason = "no library name to try";
    void *handle = NULL;
    if (path) {
        handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
        if (!handle) reason = dlerror();
    }
    for (size_t i = 0; !path && i < sizeof library_names / sizeof library_names[0] && !handle; i++) {
        // RTLD_GLOBAL: Open MPI loads its components (transports, collectives) as plugins that
        // bind to libmpi's and libopen-pal's symbols through the global namespace.
        handle = dlopen(library_names[i], RTLD_NOW | RTLD_GLOBAL);
        if (!handle) reason = dlerror();
    }
    if (!handle) {
        if (error && capacity) snprintf(error, capacity, "%s", reason ? reason : "dlopen failed");
        return -1;
    }
#define JIKJI_RESOLVE(variable, name)                                                            \
    *(void **)(&variable) = dlsym(handle, name);                                                \
    if (!variable) {                                                                           \
        if (error && capacity) snprintf(error, capacity, "the library lacks %s (not Open MPI?)", name); \
        return -1;                                                                             \
    }
    JIKJI_RESOLVE(comm_world, "ompi_mpi_comm_world")
    JIKJI_RESOLVE(type_float, "ompi_mpi_float")
    JIKJI_RESOLVE(type_int, "ompi_mpi_int")
    JIKJI_RESOLVE(type_byte, "ompi_mpi_byte")
    JIKJI_RESOLVE(op_sum, "ompi_mpi_op_sum")
    JIKJI_RESOLVE(entry_init, "MPI_Init")
    JIKJI_RESOLVE(entry_finalize, "MPI_Finalize")
    JIKJI_RESOLVE(entry_abort, "MPI_Abort")
    JIKJI_RESOLVE(entry_comm_rank, "MPI_Comm_rank")
    JIKJI_RESOLVE(entry_comm_size, "MPI_Comm_size")
    JIKJI_RESOLVE(entry_get_processor_name, "MPI_Get_processor_name")
    JIKJI_RESOLVE(entry_barrier, "MPI_Barrier")
    JIKJI_RESOLVE(entry_allreduce, "MPI_Allreduce")
    JIKJI_RESOLVE(entry_allgather, "MPI_Allgather")
    JIKJI_RESOLVE(entry_allgatherv, "MPI_Allgatherv")
    JIKJI_RESOLVE(entry_bcast, "MPI_Bcast")
    JIKJI_RESOLVE(entry_error_string, "MPI_Error_string")
#undef JIKJI_RESOLVE
    library = handle;
    return 0;
}

int jikji_mpi_init(void) { return entry_init(NULL, NULL); }
int jikji_mpi_finalize(void) { return entry_finalize(); }
int jikji_mpi_abort(int code) { return entry_abort(comm_world, code); }
int jikji_mpi_rank(int *rank) { return entry_comm_rank(comm_world, rank); }
int jikji_mpi_size(int *size) { return entry_comm_size(comm_world, size); }

int jikji_mpi_processor_name(char *name, size_t capacity) {
    // MPI_MAX_PROCESSOR_NAME is 256 in Open MPI.
    char buffer[256 + 1];
    int length = 0;
    int code = entry_get_processor_name(buffer, &length);
    if (code == 0 && capacity) {
        buffer[length < 256 ? length : 256] = 0;
        snprintf(name, capacity, "%s", buffer);
    }
    return code;
}

int jikji_mpi_barrier(void) { return entry_barrier(comm_world); }

int jikji_mpi_allreduce_sum_float(float *buffer, int count) {
    return entry_allreduce(JIKJI_MPI_IN_PLACE, buffer, count, type_float, op_sum, comm_world);
}

int jikji_mpi_allgather_int(const int32_t *sent, int count, int32_t *received) {
    return entry_allgather(sent, count, type_int, received, count, type_int, comm_world);
}

int jikji_mpi_allgatherv_float(const float *sent, int count, float *received, const int *counts, const int *displacements) {
    return entry_allgatherv(sent, count, type_float, received, counts, displacements, type_float, comm_world);
}

int jikji_mpi_allgatherv_int(const int32_t *sent, int count, int32_t *received, const int *counts, const int *displacements) {
    return entry_allgatherv(sent, count, type_int, received, counts, displacements, type_int, comm_world);
}

int jikji_mpi_broadcast_bytes(void *buffer, int count, int root) {
    return entry_bcast(buffer, count, type_byte, root, comm_world);
}

void jikji_mpi_error_text(int code, char *text, size_t capacity) {
    // MPI_MAX_ERROR_STRING is 256 in Open MPI.
    char buffer[256 + 1];
    int length = 0;
    if (!capacity) return;
    if (!library || entry_error_string(code, buffer, &length) != 0) {
        snprintf(text, capacity, "MPI error %d", code);
        return;
    }
    buffer[length < 256 ? length : 256] = 0;
    snprintf(text, capacity, "%s", buffer);
}
