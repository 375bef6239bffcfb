package io.kernelhub.cli;

import io.kernelhub.core.DType;
import io.kernelhub.core.Device;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option value converters whose errors are one clear sentence. */
final class Converters {

    private Converters() {
    }

    static final class DTypeConverter implements ITypeConverter<DType> {
        @Override
        public DType convert(String value) {
            try {
                return DType.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class DeviceConverter implements ITypeConverter<Device> {
        @Override
        public Device convert(String value) {
            try {
                return Device.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** A sliding window {@code LEFT,RIGHT}: two integers, each >= 0 or -1 for unlimited. */
    record Window(int left, int right) {
    }

    static final class WindowConverter implements ITypeConverter<Window> {
        @Override
        public Window convert(String value) {
            String[] parts = value.split(",", -1);
            if (parts.length == 2) {
                try {
                    int left = Integer.parseInt(parts[0].strip());
                    int right = Integer.parseInt(parts[1].strip());
                    if (left >= -1 && right >= -1) {
                        return new Window(left, right);
                    }
                } catch (NumberFormatException e) {
                    // reported below
                }
            }
            throw new TypeConversionException("'" + value + "' is not a window: use LEFT,RIGHT with whole numbers"
                    + " >= 0, or -1 for unlimited (e.g. 128,0)");
        }
    }
}
