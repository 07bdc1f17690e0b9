export {
  CALIBRATION_METHODS,
  type CalibrationMethod,
  type Calibrator,
  calibratorFor,
  minMaxCalibrator,
  mseCalibrator,
  percentileCalibrator,
} from "./calibrators.js";
export { activationTensors, collectStatistics, HISTOGRAM_BINS, type TensorStatistics } from "./statistics.js";
