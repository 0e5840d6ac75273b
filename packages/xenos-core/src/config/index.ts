/** Config files: the host file and the service/template files, validated with positioned errors. */
export { ConfigError, ConfigFileError, describeFound, formatPath, validateYaml, MAX_CONFIG_BYTES, type Validated } from '@xenos/config-file'
export { hostConfigSchema, parseHostConfig, loadHostConfig, parseListenAddress, type HostConfig, type HostConfigInput } from './host-config.js'
export { driverRegistry, type DriverRegistry } from './driver-registry.js'
export {
  templateFileSchema, serviceFileSchema, configFileSchema, templateFromFile, serviceFromFile, type TemplateConfig, type ServiceConfig
} from './service-config.js'
export { loadServiceConfigDir, parseServiceConfigFile, serviceConfigSource, type ServiceConfigLoad } from './service-loader.js'
