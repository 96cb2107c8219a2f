// For tools that read .ts without Vue's language plugin (eslint's type checker): a .vue import
// is some component. vue-tsc and Vite resolve the real files and ignore this.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent;
  export default component;
}
