#include "tools/gpu_probe/cuda_probe.hpp"

#include <dlfcn.h>

#include <cstdio>
#include <ctime>
#include <string>

namespace sparkfabric {
namespace {

// The few driver API types and ids we need, declared here so that building needs no cuda.h.
// Values checked against cuda.h of CUDA 13.0 (and public copies of older ones).
using CUresult = int;
using CUdevice = int;
constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_INVALID_VALUE = 1;
constexpr int CU_DEVICE_ATTRIBUTE_INTEGRATED = 18;
constexpr int CU_DEVICE_ATTRIBUTE_GPU_DIRECT_RDMA_SUPPORTED = 116;
constexpr int CU_DEVICE_ATTRIBUTE_DMA_BUF_SUPPORTED = 124;

using cuInit_t = CUresult (*)(unsigned int);
using cuDriverGetVersion_t = CUresult (*)(int*);
using cuDeviceGetCount_t = CUresult (*)(int*);
using cuDeviceGet_t = CUresult (*)(CUdevice*, int);
using cuDeviceGetName_t = CUresult (*)(char*, int, CUdevice);
using cuDeviceGetPCIBusId_t = CUresult (*)(char*, int, CUdevice);
using cuDeviceGetAttribute_t = CUresult (*)(int*, int, CUdevice);
using cuGetErrorName_t = CUresult (*)(CUresult, const char**);

struct Driver {
    cuInit_t init = nullptr;
    cuDriverGetVersion_t driver_get_version = nullptr;
    cuDeviceGetCount_t device_get_count = nullptr;
    cuDeviceGet_t device_get = nullptr;
    cuDeviceGetName_t device_get_name = nullptr;
    cuDeviceGetPCIBusId_t device_get_pci_bus_id = nullptr;
    cuDeviceGetAttribute_t device_get_attribute = nullptr;
    cuGetErrorName_t get_error_name = nullptr;  // optional: only used to word errors
};

// "CUDA_ERROR_NO_DEVICE (100)" when the driver can name the code, else "CUresult 100".
std::string describe(const Driver& driver, CUresult result) {
    const char* name = nullptr;
    if (driver.get_error_name != nullptr && driver.get_error_name(result, &name) == CUDA_SUCCESS &&
        name != nullptr) {
        return std::string(name) + " (" + std::to_string(result) + ")";
    }
    return "CUresult " + std::to_string(result);
}

std::string call_failed(const Driver& driver, const std::string& call, CUresult result) {
    return call + " failed: " + describe(driver, result);
}

std::string now_iso8601_utc() {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

template <typename Fn>
bool load(void* library, const char* symbol, Fn& out, std::string& error) {
    out = reinterpret_cast<Fn>(dlsym(library, symbol));
    if (out == nullptr) {
        error = std::string("libcuda.so.1 has no symbol ") + symbol +
                " (driver too old or not an NVIDIA driver library)";
        return false;
    }
    return true;
}

// Attributes newer than the installed driver come back as CUDA_ERROR_INVALID_VALUE; a driver
// that cannot name the feature cannot offer it either, so that reads as "not supported".
bool read_flag(const Driver& driver, CUdevice device, int attribute, const char* attribute_name,
               bool tolerate_unknown, bool& value, std::string& error) {
    int raw = 0;
    CUresult result = driver.device_get_attribute(&raw, attribute, device);
    if (result == CUDA_ERROR_INVALID_VALUE && tolerate_unknown) {
        value = false;
        return true;
    }
    if (result != CUDA_SUCCESS) {
        error = call_failed(driver, std::string("cuDeviceGetAttribute(") + attribute_name + ")",
                            result);
        return false;
    }
    value = raw != 0;
    return true;
}

}  // namespace

CudaProbeResult probe_cuda_devices() {
    CudaProbeResult out;

    // Never dlclose(): the driver registers exit handlers once initialised, and unloading it
    // underneath them crashes at process exit.
    void* library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
        const char* why = dlerror();
        out.error = std::string("cannot load libcuda.so.1 (is the NVIDIA driver installed?): ") +
                    (why != nullptr ? why : "unknown dlopen error");
        return out;
    }

    Driver driver;
    driver.get_error_name = reinterpret_cast<cuGetErrorName_t>(dlsym(library, "cuGetErrorName"));
    if (!load(library, "cuInit", driver.init, out.error) ||
        !load(library, "cuDriverGetVersion", driver.driver_get_version, out.error) ||
        !load(library, "cuDeviceGetCount", driver.device_get_count, out.error) ||
        !load(library, "cuDeviceGet", driver.device_get, out.error) ||
        !load(library, "cuDeviceGetName", driver.device_get_name, out.error) ||
        !load(library, "cuDeviceGetPCIBusId", driver.device_get_pci_bus_id, out.error) ||
        !load(library, "cuDeviceGetAttribute", driver.device_get_attribute, out.error)) {
        return out;
    }

    CUresult result = driver.init(0);
    if (result != CUDA_SUCCESS) {
        out.error = call_failed(driver, "cuInit", result);
        return out;
    }
    result = driver.driver_get_version(&out.cache.cuda_driver_version);
    if (result != CUDA_SUCCESS) {
        out.error = call_failed(driver, "cuDriverGetVersion", result);
        return out;
    }
    int count = 0;
    result = driver.device_get_count(&count);
    if (result != CUDA_SUCCESS) {
        out.error = call_failed(driver, "cuDeviceGetCount", result);
        return out;
    }

    for (int index = 0; index < count; ++index) {
        const std::string where = " for device " + std::to_string(index);
        CUdevice device = 0;
        result = driver.device_get(&device, index);
        if (result != CUDA_SUCCESS) {
            out.error = call_failed(driver, "cuDeviceGet", result) + where;
            return out;
        }
        GpuCapability gpu;
        gpu.index = index;

        char name[256] = {};
        result = driver.device_get_name(name, static_cast<int>(sizeof name) - 1, device);
        if (result != CUDA_SUCCESS) {
            out.error = call_failed(driver, "cuDeviceGetName", result) + where;
            return out;
        }
        gpu.name = name;

        // 13 characters plus NUL suffice ("0000:01:00.0"); leave room for longer domains.
        char bus_id[64] = {};
        result = driver.device_get_pci_bus_id(bus_id, static_cast<int>(sizeof bus_id), device);
        if (result != CUDA_SUCCESS) {
            out.error = call_failed(driver, "cuDeviceGetPCIBusId", result) + where;
            return out;
        }
        gpu.pci_bus_id = bus_id;

        std::string error;
        if (!read_flag(driver, device, CU_DEVICE_ATTRIBUTE_INTEGRATED,
                       "CU_DEVICE_ATTRIBUTE_INTEGRATED", false, gpu.integrated, error) ||
            !read_flag(driver, device, CU_DEVICE_ATTRIBUTE_GPU_DIRECT_RDMA_SUPPORTED,
                       "CU_DEVICE_ATTRIBUTE_GPU_DIRECT_RDMA_SUPPORTED", true,
                       gpu.gpu_direct_rdma_supported, error) ||
            !read_flag(driver, device, CU_DEVICE_ATTRIBUTE_DMA_BUF_SUPPORTED,
                       "CU_DEVICE_ATTRIBUTE_DMA_BUF_SUPPORTED", true, gpu.dma_buf_supported,
                       error)) {
            out.error = error + where;
            return out;
        }
        out.cache.gpus.push_back(gpu);
    }

    out.cache.probed_at = now_iso8601_utc();
    out.ok = true;
    return out;
}

}  // namespace sparkfabric
