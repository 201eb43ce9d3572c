// Bundled by scripts/toolchains.sh (esbuild, with the constants Taro's own build
// defines for WeChat) into the frameworks cache: Taro's API object with the
// WeChat platform plugin's native-API layer installed over the runtime's `wx`,
// as a Taro mini app's bootstrap does (initNativeApi → processApis(Taro, wx)).
import Taro from '@tarojs/api';
import { initNativeApi } from '@tarojs/plugin-platform-weapp/dist/runtime-utils';

export function taroOverWx() {
  initNativeApi(Taro);
  return Taro;
}
