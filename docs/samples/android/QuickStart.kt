package com.example.host

import com.miniappauth.AuthEngine
import com.miniappauth.Caller
import com.miniappauth.ConsentUi

/** The README's Kotlin quick start: open, register, answer a mini app's calls. */
suspend fun quickStart(dbPath: String, dialogs: ConsentUi, appJson: String, tapped: Boolean): List<String> =
    AuthEngine.open(dbPath, dialogs).use { engine -> // suspends while the file opens; main-safe
        engine.registerManifest("wx1234abcd", appJson)
        val me = Caller(userId = "u1", appId = "wx1234abcd", userGesture = tapped)
        val result = engine.authorize(me, "scope.record") // result.json == {"errMsg":"authorize:ok"}
        val json = engine.handle(me, """{"api":"getSetting","args":{}}""") // the bridge
        listOf(result.json, json)
    }
