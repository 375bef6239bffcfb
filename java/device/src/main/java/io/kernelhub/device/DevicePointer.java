package io.kernelhub.device;

import jcuda.driver.CUdeviceptr;

/** A device pointer whose raw address kernelhub can hand to native bundles. */
final class DevicePointer extends CUdeviceptr {
    long address() {
        return getNativePointer();
    }
}
